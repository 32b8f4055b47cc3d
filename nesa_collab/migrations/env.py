"""Alembic environment: runs against the URL the caller put in the config (see ``nesa_collab.migrate``)."""

import warnings

from alembic import context
from sqlalchemy import pool

from nesa_collab import models  # noqa: F401 - registers every table
from nesa_collab.db import Base, make_engine

config = context.config
# SQLite cannot reflect expression indexes (lower(email)); batch migrations reflect tables, and the
# index is created explicitly by the migration that owns it.
warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index")
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch migrations copy and drop tables; with foreign keys enforced, dropping a parent
            # table would cascade into its children. Turn enforcement off for this connection, on the
            # driver directly (a PRAGMA inside the transaction SQLAlchemy would open has no effect).
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
