"""Where the templates, static files and seed data are, in a checkout or an installed package."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _dir(name: str) -> Path:
    """``name`` at the top of a checkout, or inside the installed package (pyproject maps it there)."""
    checkout = PACKAGE_DIR.parent / name
    if (PACKAGE_DIR.parent / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    return PACKAGE_DIR / name


TEMPLATES_DIR = _dir("templates")
SEED_DIR = _dir("seed_data")
DOCS_DIR = _dir("docs")
STATIC_DIR = PACKAGE_DIR / "static"
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
