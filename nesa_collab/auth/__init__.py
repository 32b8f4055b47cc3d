"""People, roles, sign-in, API tokens and the one permission check (N3)."""
