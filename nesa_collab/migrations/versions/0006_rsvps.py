"""Answers to meetings (RSVP): going, not going or maybe, per occurrence (M4, S2 headcounts).

Revision ID: 0006_rsvps
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa
import nesa_collab.db

revision = "0006_rsvps"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_rsvps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_start", sa.DateTime(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("answered_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("answer IN ('going', 'not_going', 'maybe')", name=op.f("ck_meeting_rsvps_answer_known")),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_rsvps_meeting_id_meetings"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_meeting_rsvps_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_rsvps")),
        sa.UniqueConstraint("meeting_id", "occurrence_start", "person_id", name="uq_meeting_rsvps_occurrence_person"),
    )
    with op.batch_alter_table("meeting_rsvps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_rsvps_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_rsvps_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("meeting_rsvps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_rsvps_person_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_rsvps_meeting_id"))
    op.drop_table("meeting_rsvps")
