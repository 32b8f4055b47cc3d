"""Database plumbing: the declarative base, engines that behave the same on SQLite and PostgreSQL,
sessions, and the one helper that locks a row for the rest of a transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, MetaData, String, create_engine, event, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from .errors import NotFound

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """An instant: stored in UTC, always returned timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column; use clock.now_utc()")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class EnumText(TypeDecorator):
    """A ``StrEnum`` column: stored as the member's value in a VARCHAR, read back as the member.
    Pair it with ``enum_check`` so the database refuses other values too."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int | None = None):
        self.enum = enum
        super().__init__(length or max(len(m.value) for m in enum))

    def process_bind_param(self, value: Any, dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


def enum_values(enum: type[StrEnum]) -> str:
    """The enum's values as a SQL list: ``'draft', 'published', 'cancelled'``."""
    return ", ".join(repr(m.value) for m in enum)


def enum_check(column: str, enum: type[StrEnum], name: str, *, nullable: bool = False) -> CheckConstraint:
    """``CHECK (column IN (...))`` from the enum's values, so a status column's constraint cannot
    drift from the enum the code uses."""
    allowed = f"{column} IN ({enum_values(enum)})"
    return CheckConstraint(f"{column} IS NULL OR {allowed}" if nullable else allowed, name=name)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``. SQLite gets foreign keys, WAL, a busy timeout and explicit BEGINs
    so that a writing transaction can take the write lock up front (see ``write_session``)."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {}).setdefault("check_same_thread", False)
        kwargs["connect_args"].setdefault("timeout", 30)
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):
            # Let SQLAlchemy's "begin" event emit BEGIN instead of the driver (the documented
            # pysqlite recipe), so that writes can use BEGIN IMMEDIATE.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class Database:
    """Holds the engine and hands out sessions: ``read()`` for pages, ``write()`` for actions."""

    def __init__(self, url: str, **engine_kwargs: Any):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        # On SQLite a writing transaction takes the database's write lock at BEGIN, so two
        # concurrent actions serialize instead of both reading a stale count (C2 under races).
        # On PostgreSQL, actions lock the rows they depend on with lock_row().
        self._write = sessionmaker(
            self.engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
        )

    def session(self, *, write: bool) -> Session:
        return (self._write if write else self._read)()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit once at the end, roll back on any exception."""
        with self.session(write=True) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


#: The largest id a database integer column holds; a larger one cannot name anything.
MAX_ID = 2**63 - 1


def get_by_id(session: Session, model: type, ident: int | None):
    """The row of ``model`` with id ``ident``, or None (also for no id, or one no column can hold,
    which the database would refuse with an error instead of finding nothing)."""
    if not ident or not 0 < ident <= MAX_ID:
        return None
    return session.get(model, ident)


def get_or_not_found(session: Session, model: type, ident: int | None):
    """``get_by_id``, raising NotFound when there is no such row."""
    row = get_by_id(session, model, ident)
    if row is None:
        raise NotFound()
    return row


def lock_row(session: Session, model: type, ident: Any):
    """Load ``model`` by primary key and lock its row until the transaction ends.

    PostgreSQL takes a row lock (SELECT ... FOR UPDATE); SQLite already holds the database's write
    lock from BEGIN IMMEDIATE in write sessions, which serializes the same way. The lock is taken
    with a query of the key alone: PostgreSQL refuses FOR UPDATE over the outer joins that a model's
    eagerly loaded relationships would add.
    """
    key = sa_inspect(model).primary_key[0]
    session.execute(select(key).where(key == ident).with_for_update())
    return session.get(model, ident, populate_existing=True)


def related_model(attribute) -> type:
    """The model a relationship points to: ``related_model(Person.school)`` is the School model.

    The packages below others (people below the network, the audit log below everything) name a
    higher package's model in a relationship string instead of importing it; when they need its
    columns (to filter people by school, the audit log by collaborative) they reach it this way, so
    every import still points downwards.
    """
    return attribute.property.mapper.class_
