"""The sync engine benchmark's parts: the service and its servers, the raw baselines,
the push and the catch-up (``tests/bench/bench_sync.py`` runs them)."""
