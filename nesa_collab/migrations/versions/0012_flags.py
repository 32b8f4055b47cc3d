"""Flags (F1–F8) raised and cleared by the sweep, kept as history; the sweep's runs; the lease that lets
one process sweep at a time.

Revision ID: 0012_flags
Revises: 0011_mail

The tables start empty: the first sweep (scheduled, ``nesa-collab sweep`` or the Director's button)
raises the flags that hold.
"""
from alembic import op
import sqlalchemy as sa
import nesa_collab.db

revision = "0012_flags"
down_revision = "0011_mail"
branch_labels = None
depends_on = None

LIVE = "cleared_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("rule", sa.String(length=2), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("condition", sa.String(length=40), nullable=False),
        sa.Column("about_on", sa.Date(), nullable=True),
        sa.Column("collaborative_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("audience_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("raised_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("cleared_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cleared_on", sa.Date(), nullable=True),
        sa.Column("cleared_reason", sa.String(length=300), nullable=True),
        sa.Column("acknowledged_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_note", sa.Text(), nullable=True),
        sa.CheckConstraint("rule IN ('F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7', 'F8')", name=op.f("ck_flags_rule_known")),
        sa.CheckConstraint("audience IN ('dpl', 'core', 'center_staff', 'coordinator')",
                           name=op.f("ck_flags_audience_known")),
        sa.CheckConstraint("(audience IN ('core', 'coordinator')) = (audience_id IS NOT NULL)",
                           name=op.f("ck_flags_audience_id_when_needed")),
        sa.CheckConstraint("(cleared_at IS NULL) = (cleared_reason IS NULL)", name=op.f("ck_flags_cleared_has_reason")),
        sa.CheckConstraint("(acknowledged_at IS NULL) = (acknowledged_note IS NULL)",
                           name=op.f("ck_flags_acknowledged_has_note")),
        sa.ForeignKeyConstraint(["collaborative_id"], ["collaboratives.id"],
                                name=op.f("fk_flags_collaborative_id_collaboratives")),
        sa.ForeignKeyConstraint(["acknowledged_by_id"], ["people.id"], name=op.f("fk_flags_acknowledged_by_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flags")),
    )
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flags_collaborative_id"), ["collaborative_id"], unique=False)
        batch_op.create_index("ix_flags_live_audience", ["audience", "audience_id", "cleared_at"], unique=False)
        batch_op.create_index("ix_flags_rule_raised", ["rule", "raised_on"], unique=False)
        batch_op.create_index("ix_flags_rule_cleared", ["rule", "cleared_on"], unique=False)
        batch_op.create_index("uq_flags_live_key", ["key"], unique=True,
                              sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))

    op.create_table(
        "sweep_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("today", sa.Date(), nullable=False),
        sa.Column("triggered_by", sa.String(length=16), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("started_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("raised", sa.Integer(), nullable=False),
        sa.Column("cleared", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("basis", sa.String(length=200), nullable=True),
        sa.Column("judged", sa.Boolean(), nullable=False),
        sa.CheckConstraint("triggered_by IN ('schedule', 'cli', 'dpl', 'test')",
                           name=op.f("ck_sweep_runs_triggered_by_known")),
        sa.CheckConstraint("raised >= 0 AND cleared >= 0", name=op.f("ck_sweep_runs_counts_not_negative")),
        sa.ForeignKeyConstraint(["started_by_id"], ["people.id"], name=op.f("fk_sweep_runs_started_by_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sweep_runs")),
    )
    with op.batch_alter_table("sweep_runs", schema=None) as batch_op:
        batch_op.create_index("ix_sweep_runs_today", ["today", "triggered_by"], unique=False)

    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("acquired_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )


def downgrade() -> None:
    op.drop_table("leases")
    with op.batch_alter_table("sweep_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_sweep_runs_today")
    op.drop_table("sweep_runs")
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.drop_index("uq_flags_live_key")
        batch_op.drop_index("ix_flags_rule_cleared")
        batch_op.drop_index("ix_flags_rule_raised")
        batch_op.drop_index("ix_flags_live_audience")
        batch_op.drop_index(batch_op.f("ix_flags_collaborative_id"))
    op.drop_table("flags")
