"""The street → community → grid hierarchy and each grid's CouchDB database."""
