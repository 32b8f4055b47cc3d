"""Version stamps of the calendar feeds (M5): a feed's ETag is read from a row or two, whatever it holds.

Revision ID: 0013_feed_versions
Revises: 0012_flags

The table starts empty: a stamp never bumped reads as version 0, and the services bump them from now
on. The feeds' ETags change once (the feed layout version goes up with this change).
"""
from alembic import op
import sqlalchemy as sa
import nesa_collab.db

revision = "0013_feed_versions"
down_revision = "0012_flags"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_versions",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('collaborative', 'person', 'school', 'conferences')",
                           name=op.f("ck_feed_versions_kind_known")),
        sa.PrimaryKeyConstraint("kind", "owner_id", name=op.f("pk_feed_versions")),
    )


def downgrade() -> None:
    op.drop_table("feed_versions")
