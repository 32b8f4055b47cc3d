"""The people list pages in name order from an index (issue 11: no list sorts the whole table).

Revision ID: 0015_people_by_name
Revises: 0014_core_standings
"""
from alembic import op

revision = "0015_people_by_name"
down_revision = "0014_core_standings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_people_name_id", "people", ["name", "id"])


def downgrade() -> None:
    op.drop_index("ix_people_name_id", table_name="people")
