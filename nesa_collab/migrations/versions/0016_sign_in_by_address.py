"""The sign-in throttle counts failures per address too (issue 13): an index to count them by.

Revision ID: 0016_sign_in_by_address
Revises: 0015_people_by_name
"""
from alembic import op

revision = "0016_sign_in_by_address"
down_revision = "0015_people_by_name"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sign_in_attempts_ip_at", "sign_in_attempts", ["ip", "at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_attempts_ip_at", table_name="sign_in_attempts")
