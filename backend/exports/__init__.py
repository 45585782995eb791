"""Streamed exports: CSV for Excel and GeoJSON for GIS tools."""
