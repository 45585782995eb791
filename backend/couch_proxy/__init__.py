"""CouchDB behind the app's own origin, for browsers (the field app)."""
