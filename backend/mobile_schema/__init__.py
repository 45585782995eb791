"""The mobile schema served read-only, so tablet apps can fetch their contract."""
