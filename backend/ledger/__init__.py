"""The hazard ledger (台账): review, assignment, rectification, verification, close-out."""
