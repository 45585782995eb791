"""Accounts of supervisors, admins and grid workers; sign-in with JWT; jurisdiction."""
