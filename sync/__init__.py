"""Sync engine: the CouchDB side of the product.

A typed async CouchDB client, the managed development server, grid database
provisioning and the changes follower. The follower reaches SQL only through the
ports in :mod:`sync.ports`; it never imports the backend.
"""
