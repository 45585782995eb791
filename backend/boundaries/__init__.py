"""Boundary versions: imported from GeoJSON, validated, activated on purpose."""
