"""meetings: conferences, meetings, occurrences, agendas, attendance, feed tokens (S1, M1–M6)

Revision ID: 0003_meetings
Revises: 0002
Create Date: 2026-11-27 12:30:00

``agenda_items.milestone_id`` has no foreign key yet: plans arrive in a sibling revision, and the
link to ``plan_milestones`` is added once both heads are merged.
"""
from alembic import op
import sqlalchemy as sa
import nesa_collab.db


revision = '0003_meetings'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('country', sa.String(length=100), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('hotel', sa.String(length=200), nullable=False),
    sa.Column('hotel_address', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('conference', 'institute')", name=op.f('ck_conferences_kind_known')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_conferences_ends_after_start')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conferences')),
    sa.UniqueConstraint('slug', name=op.f('uq_conferences_slug'))
    )
    op.create_table('conference_collaboratives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('collaborative_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['collaborative_id'], ['collaboratives.id'], name=op.f('fk_conference_collaboratives_collaborative_id_collaboratives')),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_conference_collaboratives_conference_id_conferences'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conference_collaboratives')),
    sa.UniqueConstraint('conference_id', 'collaborative_id', name='uq_conference_collaboratives_pair')
    )
    with op.batch_alter_table('conference_collaboratives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conference_collaboratives_collaborative_id'), ['collaborative_id'], unique=False)

    op.create_table('feed_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', nesa_collab.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(kind = 'person' AND person_id IS NOT NULL AND school_id IS NULL) OR (kind = 'school' AND school_id IS NOT NULL AND person_id IS NULL)", name=op.f('ck_feed_tokens_owner_matches_kind')),
    sa.CheckConstraint("kind IN ('person', 'school')", name=op.f('ck_feed_tokens_kind_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_feed_tokens_created_by_id_people')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_feed_tokens_person_id_people')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_feed_tokens_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_feed_tokens_token_hash'))
    )
    with op.batch_alter_table('feed_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_tokens_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_tokens_school_id'), ['school_id'], unique=False)
        batch_op.create_index('uq_feed_tokens_active_person', ['person_id'], unique=True, sqlite_where=sa.text("revoked_at IS NULL AND kind = 'person'"), postgresql_where=sa.text("revoked_at IS NULL AND kind = 'person'"))
        batch_op.create_index('uq_feed_tokens_active_school', ['school_id'], unique=True, sqlite_where=sa.text("revoked_at IS NULL AND kind = 'school'"), postgresql_where=sa.text("revoked_at IS NULL AND kind = 'school'"))

    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collaborative_id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=True),
    sa.Column('organizer_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('mode', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('local_start', sa.DateTime(), nullable=False),
    sa.Column('local_end', sa.DateTime(), nullable=False),
    sa.Column('starts_at', nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_ends_at', nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('join_url', sa.String(length=500), nullable=True),
    sa.Column('rrule', sa.String(length=300), nullable=True),
    sa.Column('repeat_until', sa.Date(), nullable=True),
    sa.Column('is_planning', sa.Boolean(), nullable=False),
    sa.Column('agenda_final_by', sa.Date(), nullable=True),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('minutes_at', nesa_collab.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('published_at', nesa_collab.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', nesa_collab.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("mode IN ('face_to_face', 'virtual', 'hybrid')", name=op.f('ck_meetings_mode_known')),
    sa.CheckConstraint("rrule IS NULL OR mode <> 'face_to_face'", name=op.f('ck_meetings_recurring_not_face_to_face')),
    sa.CheckConstraint("status IN ('draft', 'published', 'cancelled')", name=op.f('ck_meetings_status_known')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_meetings_ends_after_start')),
    sa.CheckConstraint('local_end > local_start', name=op.f('ck_meetings_local_ends_after_start')),
    sa.CheckConstraint('sequence >= 0', name=op.f('ck_meetings_sequence_not_negative')),
    sa.ForeignKeyConstraint(['collaborative_id'], ['collaboratives.id'], name=op.f('fk_meetings_collaborative_id_collaboratives')),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_meetings_conference_id_conferences')),
    sa.ForeignKeyConstraint(['organizer_id'], ['people.id'], name=op.f('fk_meetings_organizer_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index('ix_meetings_collab_start', ['collaborative_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_conference_id'), ['conference_id'], unique=False)
        batch_op.create_index('ix_meetings_status_start', ['status', 'starts_at'], unique=False)

    op.create_table('agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('presenter', sa.String(length=200), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_agenda_items_minutes_positive')),
    sa.CheckConstraint('position >= 0', name=op.f('ck_agenda_items_position_not_negative')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_agenda_items_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_items'))
    )
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.create_index('ix_agenda_items_meeting_position', ['meeting_id', 'position'], unique=False)

    op.create_table('meeting_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.CheckConstraint("status IN ('present', 'apologies', 'absent')", name=op.f('ck_meeting_attendance_status_known')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_attendance_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_meeting_attendance_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendance')),
    sa.UniqueConstraint('meeting_id', 'person_id', name='uq_meeting_attendance_pair')
    )
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attendance_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_attendance_person_id'), ['person_id'], unique=False)

    op.create_table('meeting_occurrences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('original_start', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('local_start', sa.DateTime(), nullable=True),
    sa.Column('local_end', sa.DateTime(), nullable=True),
    sa.Column('starts_at', nesa_collab.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ends_at', nesa_collab.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('updated_at', nesa_collab.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'moved' OR (local_start IS NOT NULL AND local_end > local_start AND ends_at > starts_at)", name=op.f('ck_meeting_occurrences_moved_has_times')),
    sa.CheckConstraint("status IN ('moved', 'cancelled')", name=op.f('ck_meeting_occurrences_status_known')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_occurrences_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_occurrences')),
    sa.UniqueConstraint('meeting_id', 'original_start', name='uq_meeting_occurrences_original')
    )


def downgrade() -> None:
    for table in ("meeting_occurrences", "meeting_attendance", "agenda_items", "meetings", "feed_tokens",
                  "conference_collaboratives", "conferences"):
        op.drop_table(table)
