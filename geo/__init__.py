"""Pure geometry on shapely 2: boundaries, validation and geofencing. No I/O frameworks."""
