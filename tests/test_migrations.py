"""The Alembic migrations build exactly the schema the models describe, and can be walked back."""

from __future__ import annotations

import warnings
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from nesa_collab import models  # noqa: F401
from nesa_collab.db import Base, UTCDateTime, make_engine
from nesa_collab.migrate import downgrade, upgrade

from . import databases

CAIRO = ZoneInfo("Africa/Cairo")


def _differences(url: str) -> list:
    """What the database at ``url`` lacks or has beyond the models' schema (Alembic's autogenerate)."""
    engine = create_engine(url)
    with engine.connect() as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # expression indexes cannot be reflected on SQLite
        diff = compare_metadata(MigrationContext.configure(conn, opts={"render_as_batch": True}), Base.metadata)
    engine.dispose()
    return diff


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    names = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_migrations_match_the_models(template_db):
    assert _differences(template_db) == []


def test_migrations_downgrade_to_nothing_and_upgrade_to_the_models_again(tmp_path):
    url = databases.new_database(tmp_path, "walk")
    upgrade(url)
    downgrade(url, "base")
    assert _tables(url) <= {"alembic_version"}  # every table the migrations made is gone
    upgrade(url)
    assert set(Base.metadata.tables) <= _tables(url)
    assert _differences(url) == []
    databases.drop(url)


# --- 0005: minutes and attendance per occurrence (M4) -------------------------------------------------

def _typed(value):
    if isinstance(value, datetime):
        return UTCDateTime() if value.tzinfo is not None else sa.DateTime()
    if isinstance(value, date):
        return sa.Date()
    return None


def _insert(conn, table_name: str, /, **values) -> None:
    table = sa.table(table_name, *[sa.column(k, _typed(v)) for k, v in values.items()])
    conn.execute(table.insert().values(**values))


def _rows(conn, table_name: str, *columns: str, order_by: str = "id", **types) -> list[tuple]:
    table = sa.table(table_name, *[sa.column(c, types.get(c)) for c in {*columns, order_by}])
    return [tuple(r) for r in conn.execute(sa.select(*[table.c[c] for c in columns]).order_by(table.c[order_by]))]


def _meeting(conn, id: int, local: datetime, *, rrule=None, minutes="", minutes_at=None, status="published"):
    starts = local.replace(tzinfo=CAIRO).astimezone(timezone.utc)
    _insert(conn, "meetings", id=id, collaborative_id=1, title=f"Meeting {id}", description="", mode="virtual",
            status=status, time_zone="Africa/Cairo", local_start=local, local_end=local + timedelta(hours=1),
            starts_at=starts, ends_at=starts + timedelta(hours=1), last_ends_at=starts + timedelta(days=200),
            place="", join_url="https://meet.example.org/x", rrule=rrule, is_planning=False, minutes=minutes,
            minutes_at=minutes_at, sequence=0, created_at=starts, updated_at=starts)


def test_0005_moves_existing_minutes_to_their_occurrence_and_back(tmp_path):
    """A single meeting's minutes go to its start; a series' to the occurrence they were recorded for
    (the latest, not cancelled, that had started then: April's, moved; May's was cancelled). Nothing
    else is lost on the way up or down (the meetings table is not copied, so nothing cascades)."""
    url = databases.new_database(tmp_path, "minutes")
    try:
        upgrade(url, "0004")
        engine = make_engine(url)
        stamp = datetime(2026, 12, 1, tzinfo=timezone.utc)
        with engine.begin() as conn:
            _insert(conn, "people", id=1, name="Omar Khalil", email="omar@example.org", is_active=True,
                    created_at=stamp)
            _insert(conn, "collaboratives", id=1, slug="librarians", name="Librarians", kind="discipline",
                    description="", status="active", activated_on=date(2025, 8, 1), created_at=stamp,
                    updated_at=stamp)
            _meeting(conn, 1, datetime(2027, 1, 12, 16, 0), minutes="January notes",
                     minutes_at=datetime(2027, 1, 12, 15, 30, tzinfo=timezone.utc))
            _meeting(conn, 2, datetime(2027, 1, 12, 16, 0), rrule="FREQ=MONTHLY;BYDAY=+2TU;COUNT=6",
                     minutes="April notes", minutes_at=datetime(2027, 5, 20, 9, 0, tzinfo=timezone.utc))
            _meeting(conn, 3, datetime(2027, 2, 2, 16, 0))  # no minutes: gets none
            _insert(conn, "meeting_occurrences", id=1, meeting_id=2, original_start=datetime(2027, 4, 13, 16, 0),
                    status="moved", local_start=datetime(2027, 4, 14, 16, 0), local_end=datetime(2027, 4, 14, 17, 0),
                    starts_at=datetime(2027, 4, 14, 14, 0, tzinfo=timezone.utc),
                    ends_at=datetime(2027, 4, 14, 15, 0, tzinfo=timezone.utc), note="", sequence=1, updated_at=stamp)
            _insert(conn, "meeting_occurrences", id=2, meeting_id=2, original_start=datetime(2027, 5, 11, 16, 0),
                    status="cancelled", note="", sequence=1, updated_at=stamp)
            for id, meeting_id in ((1, 1), (2, 2)):
                _insert(conn, "meeting_attendance", id=id, meeting_id=meeting_id, person_id=1, status="present")
                _insert(conn, "agenda_items", id=id, meeting_id=meeting_id, position=0, title="News", presenter="",
                        minutes=10, notes="")
            _insert(conn, "audit_entries", id=1, at=stamp, actor_id=1, action="meeting.minutes",
                    subject_type="Meeting", subject_id=2, summary="Recorded minutes")
        engine.dispose()

        upgrade(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            assert _rows(conn, "meeting_minutes", "meeting_id", "occurrence_start", "text", "recorded_by_id",
                         occurrence_start=sa.DateTime()) == [
                (1, datetime(2027, 1, 12, 16, 0), "January notes", None),
                (2, datetime(2027, 4, 13, 16, 0), "April notes", 1)]
            assert _rows(conn, "meeting_attendance", "meeting_id", "occurrence_start",
                         occurrence_start=sa.DateTime()) == [
                (1, datetime(2027, 1, 12, 16, 0)), (2, datetime(2027, 4, 13, 16, 0))]
            assert len(_rows(conn, "agenda_items", "id")) == 2 and len(_rows(conn, "meeting_occurrences", "id")) == 2
            # A second occurrence's minutes and attendance, as the new code records them.
            _insert(conn, "meeting_minutes", id=3, meeting_id=2, occurrence_start=datetime(2027, 2, 9, 16, 0),
                    text="February notes", recorded_at=datetime(2027, 2, 10, tzinfo=timezone.utc))
            _insert(conn, "meeting_attendance", id=3, meeting_id=2, occurrence_start=datetime(2027, 2, 9, 16, 0),
                    person_id=1, status="apologies")
            conn.commit()
        engine.dispose()

        # Down: a meeting keeps one set again, the latest recorded (April's: recorded last).
        downgrade(url, "0004")
        engine = make_engine(url)
        with engine.connect() as conn:
            assert _rows(conn, "meetings", "id", "minutes", "minutes_at", minutes_at=UTCDateTime()) == [
                (1, "January notes", datetime(2027, 1, 12, 15, 30, tzinfo=timezone.utc)),
                (2, "April notes", datetime(2027, 5, 20, 9, 0, tzinfo=timezone.utc)), (3, "", None)]
            assert _rows(conn, "meeting_attendance", "meeting_id", "status") == [(1, "present"), (2, "present")]
            assert len(_rows(conn, "agenda_items", "id")) == 2 and len(_rows(conn, "meeting_occurrences", "id")) == 2
        engine.dispose()
        upgrade(url)
    finally:
        databases.drop(url)


def test_every_enum_column_has_its_check_from_its_enum():
    """A status or kind column is typed with its enum, and the table's CHECK lists exactly the
    enum's values (one helper writes both, so they cannot drift apart)."""
    from sqlalchemy import CheckConstraint

    from nesa_collab.db import EnumText

    columns = [(t, c) for t in Base.metadata.tables.values() for c in t.columns if isinstance(c.type, EnumText)]
    assert len(columns) >= 20
    for table, column in columns:
        allowed = f"{column.name} IN ({', '.join(repr(m.value) for m in column.type.enum)})"
        checks = [str(ck.sqltext) for ck in table.constraints if isinstance(ck, CheckConstraint)]
        assert any(allowed in text for text in checks), f"{table.name}.{column.name}: {checks}"


def test_the_database_refuses_a_status_the_enum_does_not_know(settings):
    engine = make_engine(settings.database_url)
    with engine.begin() as conn, __import__("pytest").raises(sa.exc.IntegrityError):
        conn.execute(sa.text("INSERT INTO collaboratives (slug, name, kind, description, status, created_at, "
                             "updated_at) VALUES ('x', 'X', 'discipline', '', 'dormant', :t, :t)"),
                     {"t": datetime(2026, 11, 1)})
    engine.dispose()
