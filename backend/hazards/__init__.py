"""Hazards reported from the field, as projected from the grid databases."""
