"""The audit log page and API (A1): reading what every domain recorded."""
