"""Alembic migrations, applied at start by :func:`backend.migrate.migrate`."""
