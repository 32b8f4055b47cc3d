"""Join the plans and meetings branches: stored feed entries (M5) and agenda items linked to plan
milestones (M3).

Revision ID: 0004
Revises: 0003_plans, 0003_meetings
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = ("0003_plans", "0003_meetings")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_feed_entries",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_feed_entries_meeting_id_meetings"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_meeting_feed_entries")),
    )
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f("fk_agenda_items_milestone_id_plan_milestones"), "plan_milestones",
                                    ["milestone_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index(batch_op.f("ix_agenda_items_milestone_id"), ["milestone_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_items_milestone_id"))
        batch_op.drop_constraint(batch_op.f("fk_agenda_items_milestone_id_plan_milestones"), type_="foreignkey")
    op.drop_table("meeting_feed_entries")
