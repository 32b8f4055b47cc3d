"""Minutes and attendance per occurrence (M4): a recurring series keeps them for each occurrence.

Revision ID: 0005
Revises: 0004

``meeting_minutes`` holds one row per occurrence that has minutes, keyed by the occurrence's start
as the series' rule generates it, in the series' wall time (a single meeting: its own local start);
attendance gets the same key. A meeting's existing minutes move to the occurrence they were
recorded for: the latest occurrence, not cancelled, that had started when they were recorded (what
the code before this revision showed), or the first occurrence when none had.

The columns of ``meetings`` are dropped and re-added without copying the table: SQLite runs with
foreign keys on, and dropping the old copy of ``meetings`` would cascade into every table that
refers to it (agenda items, occurrences, attendance, feed entries, minutes).
"""
from datetime import datetime, time, timezone
from itertools import islice
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa
import nesa_collab.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UTC = timezone.utc

meetings = sa.table(
    "meetings", sa.column("id", sa.Integer), sa.column("status", sa.String), sa.column("time_zone", sa.String),
    sa.column("local_start", sa.DateTime), sa.column("rrule", sa.String), sa.column("repeat_until", sa.Date),
    sa.column("updated_at", nesa_collab.db.UTCDateTime), sa.column("minutes", sa.Text),
    sa.column("minutes_at", nesa_collab.db.UTCDateTime))
occurrences = sa.table(
    "meeting_occurrences", sa.column("meeting_id", sa.Integer), sa.column("original_start", sa.DateTime),
    sa.column("status", sa.String), sa.column("starts_at", nesa_collab.db.UTCDateTime))
minutes = sa.table(
    "meeting_minutes", sa.column("meeting_id", sa.Integer), sa.column("occurrence_start", sa.DateTime),
    sa.column("text", sa.Text), sa.column("recorded_at", nesa_collab.db.UTCDateTime),
    sa.column("recorded_by_id", sa.Integer))
attendance = sa.table(
    "meeting_attendance", sa.column("id", sa.Integer), sa.column("meeting_id", sa.Integer),
    sa.column("occurrence_start", sa.DateTime))
audit = sa.table(
    "audit_entries", sa.column("id", sa.Integer), sa.column("actor_id", sa.Integer), sa.column("action", sa.String),
    sa.column("subject_type", sa.String), sa.column("subject_id", sa.Integer))


def _rule_starts(rule: str, local_start: datetime, repeat_until) -> list[datetime]:
    """The wall-time starts the rule generates (as ``meetings.times.rule_starts`` did at 0004)."""
    from dateutil.rrule import rrulestr

    text = rule.strip().upper().removeprefix("RRULE:")
    parsed = rrulestr(text, dtstart=local_start)
    if repeat_until is not None:
        parsed = parsed.replace(until=datetime.combine(repeat_until, time(23, 59, 59)))
    return list(islice(parsed, 201))


def _recorded_occurrence(meeting, exceptions) -> datetime:
    """The occurrence a series' minutes were for: the latest, not cancelled, that had started when they
    were recorded; else the first (= the meeting's local start). A single meeting: its local start."""
    if not meeting.rrule or meeting.minutes_at is None or meeting.status == "cancelled":
        return meeting.local_start
    try:
        starts = _rule_starts(meeting.rrule, meeting.local_start, meeting.repeat_until)
    except (ValueError, TypeError):
        return meeting.local_start
    by_original = {e.original_start: e for e in exceptions}
    started = []
    for start in starts:
        exc = by_original.get(start)
        if exc is not None and exc.status != "moved":
            continue  # cancelled
        at = exc.starts_at if exc is not None else start.replace(tzinfo=ZoneInfo(meeting.time_zone)).astimezone(UTC)
        if at <= meeting.minutes_at:
            started.append((at, start))
    return max(started)[1] if started else meeting.local_start


def upgrade() -> None:
    op.create_table(
        "meeting_minutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_start", sa.DateTime(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("recorded_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_minutes_meeting_id_meetings"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["people.id"],
                                name=op.f("fk_meeting_minutes_recorded_by_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_minutes")),
        sa.UniqueConstraint("meeting_id", "occurrence_start", name="uq_meeting_minutes_occurrence"),
    )
    with op.batch_alter_table("meeting_minutes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_minutes_recorded_by_id"), ["recorded_by_id"], unique=False)
    with op.batch_alter_table("meeting_attendance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("occurrence_start", sa.DateTime(), nullable=True))

    _move_minutes_to_occurrences(op.get_bind())

    with op.batch_alter_table("meeting_attendance", schema=None) as batch_op:
        batch_op.alter_column("occurrence_start", existing_type=sa.DateTime(), nullable=False)
        batch_op.drop_constraint("uq_meeting_attendance_pair", type_="unique")
        batch_op.create_unique_constraint("uq_meeting_attendance_occurrence_person",
                                          ["meeting_id", "occurrence_start", "person_id"])
    with op.batch_alter_table("meetings", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("minutes_at")
        batch_op.drop_column("minutes")


def _move_minutes_to_occurrences(conn) -> None:
    with_attendance = sa.select(attendance.c.meeting_id)
    rows = conn.execute(sa.select(meetings).where(sa.or_(
        meetings.c.minutes_at.is_not(None), meetings.c.minutes != "", meetings.c.id.in_(with_attendance)))).all()
    if not rows:
        return
    ids = [m.id for m in rows]
    exceptions: dict[int, list] = {}
    for e in conn.execute(sa.select(occurrences).where(occurrences.c.meeting_id.in_(ids))):
        exceptions.setdefault(e.meeting_id, []).append(e)
    # Who recorded them: the latest "meeting.minutes" entry of the audit log (A1).
    recorders = dict(conn.execute(
        sa.select(audit.c.subject_id, audit.c.actor_id)
        .where(audit.c.action == "meeting.minutes", audit.c.subject_type == "Meeting", audit.c.subject_id.in_(ids))
        .order_by(audit.c.id)).all())
    for m in rows:
        key = _recorded_occurrence(m, exceptions.get(m.id, []))
        conn.execute(minutes.insert().values(
            meeting_id=m.id, occurrence_start=key, text=m.minutes or "",
            recorded_at=m.minutes_at or m.updated_at, recorded_by_id=recorders.get(m.id)))
        conn.execute(attendance.update().where(attendance.c.meeting_id == m.id).values(occurrence_start=key))


def downgrade() -> None:
    # A server default lets the column be added to existing rows without copying the table.
    with op.batch_alter_table("meetings", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("minutes", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("minutes_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=True))

    _keep_latest_minutes(op.get_bind())

    with op.batch_alter_table("meeting_attendance", schema=None) as batch_op:
        batch_op.drop_constraint("uq_meeting_attendance_occurrence_person", type_="unique")
        batch_op.create_unique_constraint("uq_meeting_attendance_pair", ["meeting_id", "person_id"])
        batch_op.drop_column("occurrence_start")
    with op.batch_alter_table("meeting_minutes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_minutes_recorded_by_id"))
    op.drop_table("meeting_minutes")


def _keep_latest_minutes(conn) -> None:
    """Before 0005 a meeting kept one set of minutes and attendance: keep the latest recorded."""
    latest: dict[int, tuple] = {}
    for row in conn.execute(sa.select(minutes).order_by(minutes.c.recorded_at)):
        latest[row.meeting_id] = row
    for meeting_id, row in latest.items():
        conn.execute(meetings.update().where(meetings.c.id == meeting_id)
                     .values(minutes=row.text, minutes_at=row.recorded_at))
    kept = {mid: row.occurrence_start for mid, row in latest.items()}
    for meeting_id, key in conn.execute(sa.select(attendance.c.meeting_id, sa.func.max(attendance.c.occurrence_start))
                                        .group_by(attendance.c.meeting_id)).all():
        kept.setdefault(meeting_id, key)
    for meeting_id, key in kept.items():
        conn.execute(attendance.delete().where(attendance.c.meeting_id == meeting_id,
                                               attendance.c.occurrence_start != key))
