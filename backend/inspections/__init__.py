"""Inspections synced from the field."""
