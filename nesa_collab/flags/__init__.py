"""Flags (F1–F8): the sweep that raises and clears them, its schedule and runs, and their pages."""
