"""Cores: appointments, terms, consultations, open seats and candidates (C1–C10)."""
