"""API writes accept an Idempotency-Key (issue 13): the first answer to each key, kept for a day.

Revision ID: 0017_idempotency_keys
Revises: 0016_sign_in_by_address
"""
import sqlalchemy as sa
from alembic import op

from nesa_collab.db import UTCDateTime

revision = "0017_idempotency_keys"
down_revision = "0016_sign_in_by_address"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE",
                                name=op.f("fk_idempotency_keys_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("person_id", "key", name=op.f("uq_idempotency_keys_person_id")),
    )
    op.create_index("ix_idempotency_keys_person_id_created_at", "idempotency_keys", ["person_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_person_id_created_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
