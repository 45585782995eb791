"""Patrol tracks: the GPS points a grid worker's tablet recorded during a patrol."""
