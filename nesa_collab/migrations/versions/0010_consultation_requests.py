"""Consultation requests (C1): appointments the DPL proposes, and the Executive Director's and the
PDAC's answers to them, given in the product.

Revision ID: 0010_consultation_requests
Revises: 0009_obligations

``core_proposals`` holds a proposed appointment (person, term, perhaps a candidacy) with its status:
open, appointed (then ``appointment_id`` names the term), withdrawn; one open proposal per person and
Core (a partial unique index). ``core_consultation_requests`` holds one request per body asked, with
its answer (agree or concerns), note, who answered and when (the instant, and the network's date that
becomes the consultation's date). Both tables start empty; existing consultations stay as recorded.
"""
from alembic import op
import sqlalchemy as sa
import nesa_collab.db

revision = "0010_consultation_requests"
down_revision = "0009_obligations"
branch_labels = None
depends_on = None

OPEN = "status = 'open'"


def upgrade() -> None:
    op.create_table(
        "core_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collaborative_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("candidacy_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("ends_on > starts_on", name=op.f("ck_core_proposals_ends_after_start")),
        sa.CheckConstraint("status IN ('open', 'appointed', 'withdrawn')", name=op.f("ck_core_proposals_status_known")),
        sa.CheckConstraint("(status = 'appointed') = (appointment_id IS NOT NULL)",
                           name=op.f("ck_core_proposals_appointed_has_term")),
        sa.CheckConstraint("(status = 'open') = (decided_at IS NULL)",
                           name=op.f("ck_core_proposals_decided_unless_open")),
        sa.ForeignKeyConstraint(["collaborative_id"], ["collaboratives.id"],
                                name=op.f("fk_core_proposals_collaborative_id_collaboratives")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_core_proposals_person_id_people")),
        sa.ForeignKeyConstraint(["candidacy_id"], ["core_candidacies.id"],
                                name=op.f("fk_core_proposals_candidacy_id_core_candidacies")),
        sa.ForeignKeyConstraint(["created_by_id"], ["people.id"], name=op.f("fk_core_proposals_created_by_id_people")),
        sa.ForeignKeyConstraint(["appointment_id"], ["core_appointments.id"],
                                name=op.f("fk_core_proposals_appointment_id_core_appointments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_proposals")),
    )
    with op.batch_alter_table("core_proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_core_proposals_collaborative_id"), ["collaborative_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_core_proposals_person_id"), ["person_id"], unique=False)
        batch_op.create_index("uq_core_proposals_open", ["collaborative_id", "person_id"], unique=True,
                              sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))

    op.create_table(
        "core_consultation_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(length=30), nullable=False),
        sa.Column("requested_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.CheckConstraint("body IN ('executive_director', 'pdac')",
                           name=op.f("ck_core_consultation_requests_body_known")),
        sa.CheckConstraint("answer IS NULL OR answer IN ('agree', 'concerns')",
                           name=op.f("ck_core_consultation_requests_answer_known")),
        sa.CheckConstraint("(answer IS NULL) = (answered_at IS NULL) AND (answer IS NULL) = (answered_on IS NULL)",
                           name=op.f("ck_core_consultation_requests_answered_has_date")),
        sa.ForeignKeyConstraint(["proposal_id"], ["core_proposals.id"],
                                name=op.f("fk_core_consultation_requests_proposal_id_core_proposals"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["answered_by_id"], ["people.id"],
                                name=op.f("fk_core_consultation_requests_answered_by_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_consultation_requests")),
        sa.UniqueConstraint("proposal_id", "body", name="uq_core_consultation_requests_body"),
    )


def downgrade() -> None:
    op.drop_table("core_consultation_requests")
    with op.batch_alter_table("core_proposals", schema=None) as batch_op:
        batch_op.drop_index("uq_core_proposals_open", sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
        batch_op.drop_index(batch_op.f("ix_core_proposals_person_id"))
        batch_op.drop_index(batch_op.f("ix_core_proposals_collaborative_id"))
    op.drop_table("core_proposals")
