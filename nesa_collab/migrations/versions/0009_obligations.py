"""Member schools' obligations (O1–O3): release for planning meetings, conference attendance, and the
school's answer, kept with their history.

Revision ID: 0009_obligations
Revises: 0008_claims

The table starts empty: obligations are derived, never typed in. ``nesa-collab seed`` (or the first
change to a meeting, conference, term or answer) reconciles them from the facts.
"""
from alembic import op
import sqlalchemy as sa
import nesa_collab.db

revision = "0009_obligations"
down_revision = "0008_claims"
branch_labels = None
depends_on = None

LIVE_RELEASE = "withdrawn_at IS NULL AND kind = 'release'"
LIVE_ATTENDANCE = "withdrawn_at IS NULL AND kind = 'attendance'"


def upgrade() -> None:
    op.create_table(
        "obligations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("collaborative_id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("support", sa.String(length=300), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decline_reason", sa.String(length=16), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('release', 'attendance')", name=op.f("ck_obligations_kind_known")),
        sa.CheckConstraint("status IN ('pending', 'confirmed', 'declined')", name=op.f("ck_obligations_status_known")),
        sa.CheckConstraint("decline_reason IS NULL OR decline_reason IN ('budget', 'other')",
                           name=op.f("ck_obligations_decline_reason_known")),
        sa.CheckConstraint("last_day >= first_day", name=op.f("ck_obligations_last_day_after_first")),
        sa.CheckConstraint("(status = 'declined') = (decline_reason IS NOT NULL)",
                           name=op.f("ck_obligations_declined_has_reason")),
        sa.CheckConstraint("(withdrawn_at IS NULL) = (withdrawn_reason IS NULL)",
                           name=op.f("ck_obligations_withdrawn_has_reason")),
        sa.CheckConstraint("sequence >= 0", name=op.f("ck_obligations_sequence_not_negative")),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], name=op.f("fk_obligations_school_id_schools")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_obligations_person_id_people")),
        sa.ForeignKeyConstraint(["collaborative_id"], ["collaboratives.id"],
                                name=op.f("fk_obligations_collaborative_id_collaboratives")),
        sa.ForeignKeyConstraint(["conference_id"], ["conferences.id"],
                                name=op.f("fk_obligations_conference_id_conferences")),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_obligations_meeting_id_meetings"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["people.id"], name=op.f("fk_obligations_decided_by_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligations")),
    )
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_obligations_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_obligations_collaborative_id"), ["collaborative_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_obligations_conference_id"), ["conference_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_obligations_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index("ix_obligations_school_status", ["school_id", "status", "first_day"], unique=False)
        batch_op.create_index("uq_obligations_live_release", ["person_id", "meeting_id"], unique=True,
                              sqlite_where=sa.text(LIVE_RELEASE), postgresql_where=sa.text(LIVE_RELEASE))
        batch_op.create_index("uq_obligations_live_attendance", ["person_id", "conference_id"], unique=True,
                              sqlite_where=sa.text(LIVE_ATTENDANCE), postgresql_where=sa.text(LIVE_ATTENDANCE))


def downgrade() -> None:
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_index("uq_obligations_live_attendance")
        batch_op.drop_index("uq_obligations_live_release")
        batch_op.drop_index("ix_obligations_school_status")
        batch_op.drop_index(batch_op.f("ix_obligations_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_obligations_conference_id"))
        batch_op.drop_index(batch_op.f("ix_obligations_collaborative_id"))
        batch_op.drop_index(batch_op.f("ix_obligations_person_id"))
    op.drop_table("obligations")
