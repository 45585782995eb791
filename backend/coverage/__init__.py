"""Coverage of grids by inspections and the grid-worker scorecard."""
