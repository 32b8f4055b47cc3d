"""The Alembic migrations build exactly the schema the models describe, and can be walked back."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from nesa_collab import models  # noqa: F401
from nesa_collab.db import Base
from nesa_collab.migrate import downgrade, upgrade


def test_migrations_match_the_models(template_db):
    engine = create_engine(template_db)
    with engine.connect() as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # expression indexes cannot be reflected on SQLite
        diff = compare_metadata(MigrationContext.configure(conn, opts={"render_as_batch": True}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_migrations_downgrade_and_upgrade_again(tmp_path):
    url = f"sqlite:///{tmp_path}/walk.db"
    upgrade(url)
    downgrade(url, "base")
    upgrade(url)
