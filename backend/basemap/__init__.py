"""The base map: a PMTiles archive served by byte ranges to the supervisor map and the
field app, which read it with the vendored ``pmtiles`` reader."""
