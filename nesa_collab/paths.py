"""Where the templates, static files and seed data are, in a checkout or an installed package."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _dir(package: str, checkout_name: str) -> Path:
    checkout = PACKAGE_DIR.parent / checkout_name
    if checkout.is_dir():
        return checkout
    return Path(str(files(package)))


TEMPLATES_DIR = _dir("nesa_collab.templates", "templates")
SEED_DIR = _dir("nesa_collab.seed_data", "seed_data")
STATIC_DIR = PACKAGE_DIR / "static"
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
