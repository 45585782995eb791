"""The supervisor map: what it needs beyond the hazard and grid APIs."""
