"""The audit log reads newest first by time, then id (issue 12: entries recorded for past days, as
the demo's history is, take their place by their time): an index in that order.

Revision ID: 0018_audit_by_time
Revises: 0017_idempotency_keys
"""
from alembic import op

revision = "0018_audit_by_time"
down_revision = "0017_idempotency_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_audit_entries_at", table_name="audit_entries")
    op.create_index("ix_audit_entries_at_id", "audit_entries", ["at", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_entries_at_id", table_name="audit_entries")
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"])
