"""Devices (tablets) of grid workers and their CouchDB users."""
