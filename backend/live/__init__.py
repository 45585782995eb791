"""Live updates: hazards synced or decided on reach open maps over Server-Sent Events."""
