"""The audit log (A1)."""
