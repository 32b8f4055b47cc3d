"""Multi-year professional-learning plans (P1–P5) and the updates and proposals of M4."""
