"""Each Core's standing stored for the day it was computed for (C6, C9, C10, F1–F3, F8): the dashboard
pages and counts one row per Core instead of judging every Core on every request.

Revision ID: 0014_core_standings
Revises: 0013_feed_versions

The table starts empty: the first page that reads it (or the daily sweep) computes every row.
"""
from alembic import op
import sqlalchemy as sa

revision = "0014_core_standings"
down_revision = "0013_feed_versions"
branch_labels = None
depends_on = None

COUNTS = [*(f"s{i}" for i in range(13)), "ending_soon", "ending_year", "vacancies", "open_seats", "candidates",
          "school_changes", "f3_under", "f3_over", "f3_forming", "f1_outlook", "f1_ending", "f2_vacant", "f8_school",
          "attention", "short_now"]


def upgrade() -> None:
    op.create_table(
        "core_standings",
        sa.Column("collaborative_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.ForeignKeyConstraint(["collaborative_id"], ["collaboratives.id"], ondelete="CASCADE",
                                name=op.f("fk_core_standings_collaborative_id_collaboratives")),
        sa.PrimaryKeyConstraint("collaborative_id", name=op.f("pk_core_standings")),
    )
    op.create_index("ix_core_standings_order", "core_standings", ["as_of", "attention", "short_now", "f1_outlook", "s0"])


def downgrade() -> None:
    op.drop_index("ix_core_standings_order", table_name="core_standings")
    op.drop_table("core_standings")
