"""Mail: the outbox is delivered (attempts, back-off, claims, errors, attachments, headers, a key for
messages written once), people choose the mail they want, meetings are sent as invitations, and
Cores send announcements.

Revision ID: 0011_mail
Revises: 0010_consultation_requests

Messages already in the outbox (appointments, claims) become due at once: the first ``nesa-collab
mail send`` after mail is configured sends them.
"""
from alembic import op
import sqlalchemy as sa
import nesa_collab.db

revision = "0011_mail"
down_revision = "0010_consultation_requests"
branch_labels = None
depends_on = None

outbox = sa.table("outbox_messages", sa.column("headers", sa.JSON), sa.column("attempts", sa.Integer),
                  sa.column("created_at", nesa_collab.db.UTCDateTime),
                  sa.column("next_attempt_at", nesa_collab.db.UTCDateTime))


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("attachment_type", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("attachment_method", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("attachment", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("headers", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("next_attempt_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
    op.execute(outbox.update().values(headers={}, attempts=0, next_attempt_at=outbox.c.created_at))
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.alter_column("headers", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("attempts", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("next_attempt_at", existing_type=nesa_collab.db.UTCDateTime(timezone=True),
                              nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_outbox_messages_key"), ["key"])
        batch_op.create_index(batch_op.f("ix_outbox_messages_next_attempt_at"), ["next_attempt_at"], unique=False)
        batch_op.create_check_constraint(op.f("ck_outbox_messages_attempts_not_negative"), "attempts >= 0")
        batch_op.create_check_constraint(op.f("ck_outbox_messages_attachment_has_type"),
                                         "(attachment IS NULL) = (attachment_type IS NULL)")
        batch_op.create_check_constraint(op.f("ck_outbox_messages_claim_has_time"),
                                         "(claimed_by IS NULL) = (claimed_at IS NULL)")

    op.create_table(
        "mail_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("wants_digest", sa.Boolean(), nullable=False),
        sa.Column("wants_announcements", sa.Boolean(), nullable=False),
        sa.Column("updated_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_mail_preferences_person_id_people"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_preferences")),
        sa.UniqueConstraint("person_id", name=op.f("uq_mail_preferences_person_id")),
    )
    op.create_table(
        "meeting_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column("organizer", sa.String(length=400), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("invited_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_invitations_meeting_id_meetings"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_meeting_invitations_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_invitations")),
        sa.UniqueConstraint("meeting_id", "person_id", name="uq_meeting_invitations_pair"),
    )
    with op.batch_alter_table("meeting_invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_invitations_person_id"), ["person_id"], unique=False)
    op.create_table(
        "core_announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collaborative_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("sent_at", nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["collaborative_id"], ["collaboratives.id"],
                                name=op.f("fk_core_announcements_collaborative_id_collaboratives")),
        sa.ForeignKeyConstraint(["author_id"], ["people.id"], name=op.f("fk_core_announcements_author_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_announcements")),
    )
    with op.batch_alter_table("core_announcements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_core_announcements_collaborative_id"), ["collaborative_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("core_announcements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_core_announcements_collaborative_id"))
    op.drop_table("core_announcements")
    with op.batch_alter_table("meeting_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_invitations_person_id"))
    op.drop_table("meeting_invitations")
    op.drop_table("mail_preferences")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_outbox_messages_claim_has_time"), type_="check")
        batch_op.drop_constraint(op.f("ck_outbox_messages_attachment_has_type"), type_="check")
        batch_op.drop_constraint(op.f("ck_outbox_messages_attempts_not_negative"), type_="check")
        batch_op.drop_index(batch_op.f("ix_outbox_messages_next_attempt_at"))
        batch_op.drop_constraint(batch_op.f("uq_outbox_messages_key"), type_="unique")
        batch_op.drop_column("last_error")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("attempts")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("headers")
        batch_op.drop_column("attachment")
        batch_op.drop_column("attachment_method")
        batch_op.drop_column("attachment_type")
        batch_op.drop_column("key")
