"""Hazard and rectification photos: safe decoding, EXIF checks, derivatives, reuse."""
