"""The Litestar service: ledger, supervisor API and the composition root."""
