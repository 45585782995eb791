"""Where the sync engine meets SQL: checkpoints, projection, quarantine."""
