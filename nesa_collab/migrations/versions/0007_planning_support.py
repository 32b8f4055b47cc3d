"""Meeting support (S2): the room, refreshments and their status for each planning meeting.

Revision ID: 0007_planning_support
Revises: 0006_rsvps
"""
from alembic import op
import sqlalchemy as sa
import nesa_collab.db

revision = "0007_planning_support"
down_revision = "0006_rsvps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "planning_support",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("room", sa.String(length=200), nullable=False),
        sa.Column("coffee", sa.Boolean(), nullable=False),
        sa.Column("lunch", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("updated_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('requested', 'arranged')", name=op.f("ck_planning_support_status_known")),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_planning_support_meeting_id_meetings"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["people.id"],
                                name=op.f("fk_planning_support_updated_by_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planning_support")),
        sa.UniqueConstraint("meeting_id", name=op.f("uq_planning_support_meeting_id")),
    )


def downgrade() -> None:
    op.drop_table("planning_support")
