"""Hotel-night reimbursements (S3): each conference's nightly cap, and the claims.

Revision ID: 0008_claims
Revises: 0007_planning_support

A conference gets ``hotel_night_cap`` and ``hotel_cap_currency`` (both or neither; existing
conferences have none until Center staff set it, and claims against them are refused until then).
``claims`` holds one claim per person per conference (a unique key, so two claims sent at once cannot
both be written), with its receipt's stored name, original name, type, size and sha256.
"""
from alembic import op
import sqlalchemy as sa
import nesa_collab.db

revision = "0008_claims"
down_revision = "0007_planning_support"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conferences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hotel_night_cap", sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column("hotel_cap_currency", sa.String(length=3), nullable=True))
        batch_op.create_check_constraint(op.f("ck_conferences_hotel_cap_has_currency"),
                                         "(hotel_night_cap IS NULL) = (hotel_cap_currency IS NULL)")
        batch_op.create_check_constraint(op.f("ck_conferences_hotel_cap_positive"), "hotel_night_cap IS NULL OR hotel_night_cap > 0")

    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("night_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("payment_reference", sa.String(length=100), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("paid_by_id", sa.Integer(), nullable=True),
        sa.Column("paid_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("receipt_file", sa.String(length=64), nullable=False),
        sa.Column("receipt_name", sa.String(length=255), nullable=False),
        sa.Column("receipt_type", sa.String(length=40), nullable=False),
        sa.Column("receipt_size", sa.Integer(), nullable=False),
        sa.Column("receipt_sha256", sa.String(length=64), nullable=False),
        sa.CheckConstraint("status IN ('submitted', 'approved', 'rejected', 'paid')", name=op.f("ck_claims_status_known")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_claims_amount_positive")),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_claims_currency_code")),
        sa.CheckConstraint("receipt_size > 0", name=op.f("ck_claims_receipt_not_empty")),
        sa.CheckConstraint("(status = 'rejected') = (rejection_reason IS NOT NULL)",
                           name=op.f("ck_claims_rejected_has_reason")),
        sa.CheckConstraint("(status = 'paid') = (payment_reference IS NOT NULL)",
                           name=op.f("ck_claims_paid_has_reference")),
        sa.CheckConstraint("(status = 'submitted') = (decided_at IS NULL)",
                           name=op.f("ck_claims_decided_unless_submitted")),
        sa.CheckConstraint("(status = 'paid') = (paid_at IS NOT NULL)", name=op.f("ck_claims_paid_has_date")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_claims_person_id_people")),
        sa.ForeignKeyConstraint(["conference_id"], ["conferences.id"], name=op.f("fk_claims_conference_id_conferences")),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_claims_meeting_id_meetings")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["people.id"], name=op.f("fk_claims_decided_by_id_people")),
        sa.ForeignKeyConstraint(["paid_by_id"], ["people.id"], name=op.f("fk_claims_paid_by_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint("person_id", "conference_id", name="uq_claims_person_conference"),
        sa.UniqueConstraint("receipt_file", name=op.f("uq_claims_receipt_file")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claims_conference_id"), ["conference_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index("ix_claims_status_created", ["status", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index("ix_claims_status_created")
        batch_op.drop_index(batch_op.f("ix_claims_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_claims_conference_id"))
    op.drop_table("claims")
    with op.batch_alter_table("conferences", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_conferences_hotel_cap_positive"), type_="check")
        batch_op.drop_constraint(op.f("ck_conferences_hotel_cap_has_currency"), type_="check")
        batch_op.drop_column("hotel_cap_currency")
        batch_op.drop_column("hotel_night_cap")
