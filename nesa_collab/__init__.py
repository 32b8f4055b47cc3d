"""nesa-collab: the governance manager for networks of schools that run collaboratives."""

__version__ = "0.1.0"
