"""Conferences and institutes (S1), meetings (M1, M2), their occurrences, agendas (M3), attendance
and minutes (M4), and the secret tokens of calendar feeds (M5)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import (Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now_utc
from ..db import Base, EnumText, UTCDateTime, enum_check

if TYPE_CHECKING:
    from ..auth.models import Person
    from ..network.models import Collaborative, School


class ConferenceKind(StrEnum):
    CONFERENCE = "conference"
    INSTITUTE = "institute"


class Conference(Base):
    """S1: a conference or institute the network holds: dates, city, zone, hotel, featured collaboratives."""

    __tablename__ = "conferences"
    __table_args__ = (
        enum_check("kind", ConferenceKind, name="kind_known"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("(hotel_night_cap IS NULL) = (hotel_cap_currency IS NULL)", name="hotel_cap_has_currency"),
        CheckConstraint("hotel_night_cap IS NULL OR hotel_night_cap > 0", name="hotel_cap_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ConferenceKind] = mapped_column(EnumText(ConferenceKind, 20), default=ConferenceKind.CONFERENCE)
    #: First and last day (inclusive), in the conference's own zone.
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    city: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(100), default="")
    time_zone: Mapped[str] = mapped_column(String(64))
    hotel: Mapped[str] = mapped_column(String(200), default="")
    hotel_address: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    #: S3: the most the network pays for the one hotel night, and its ISO 4217 currency (both or neither).
    hotel_night_cap: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    hotel_cap_currency: Mapped[str | None] = mapped_column(String(3))
    #: Bumped on every change that matters to someone who has it in their calendar (M5).
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    featured: Mapped[list["Collaborative"]] = relationship(
        secondary="conference_collaboratives", lazy="selectin", order_by="Collaborative.name")

    @property
    def kind_label(self) -> str:
        return "Institute" if self.kind == ConferenceKind.INSTITUTE else "Conference"

    @property
    def place(self) -> str:
        return ", ".join(p for p in (self.hotel, self.city, self.country) if p)

    def is_beside(self, day: date) -> bool:
        """S2: ``day`` is within one day before the conference's start or after its end."""
        return self.starts_on - timedelta(days=1) <= day <= self.ends_on + timedelta(days=1)


class ConferenceCollaborative(Base):
    """S1: a collaborative (discipline or community) the conference features."""

    __tablename__ = "conference_collaboratives"
    __table_args__ = (UniqueConstraint("conference_id", "collaborative_id", name="uq_conference_collaboratives_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id"), index=True)


class MeetingMode(StrEnum):
    FACE_TO_FACE = "face_to_face"
    VIRTUAL = "virtual"
    HYBRID = "hybrid"

    @property
    def label(self) -> str:
        return {"face_to_face": "Face to face", "virtual": "Virtual", "hybrid": "Hybrid"}[self.value]


class MeetingStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


#: M2: only these appear in calendars (a cancelled one stays, marked cancelled).
CALENDAR_STATUSES = (MeetingStatus.PUBLISHED.value, MeetingStatus.CANCELLED.value)


class Meeting(Base):
    """M1: a meeting of a collaborative, face to face, virtual or hybrid, from a start to an end in
    a named IANA zone, at a place or a join link, optionally beside a conference.

    The wall-clock times in the meeting's zone are what the organizer chose and stay authoritative;
    the UTC instants are derived from them whenever it is saved, and indexed for queries.
    M2: ``draft`` → ``published`` → ``cancelled``; a recurring meeting (``rrule``) repeats in its
    zone's wall time, so daylight-saving changes move the UTC instant, not the local time.
    """

    __tablename__ = "meetings"
    __table_args__ = (
        enum_check("status", MeetingStatus, name="status_known"),
        enum_check("mode", MeetingMode, name="mode_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("local_end > local_start", name="local_ends_after_start"),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        CheckConstraint("rrule IS NULL OR mode <> 'face_to_face'", name="recurring_not_face_to_face"),
        Index("ix_meetings_collab_start", "collaborative_id", "starts_at"),
        Index("ix_meetings_status_start", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id"))
    conference_id: Mapped[int | None] = mapped_column(ForeignKey("conferences.id"), index=True)
    organizer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    mode: Mapped[MeetingMode] = mapped_column(EnumText(MeetingMode, 20))
    status: Mapped[MeetingStatus] = mapped_column(EnumText(MeetingStatus, 16), default=MeetingStatus.DRAFT)
    #: IANA zone the organizer scheduled in, and the wall-clock start and end there.
    time_zone: Mapped[str] = mapped_column(String(64))
    local_start: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    local_end: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    #: The same as UTC instants (of the first occurrence for a recurring meeting).
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The last instant of the last occurrence (= ends_at for a single meeting), for range queries.
    last_ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300), default="")
    join_url: Mapped[str | None] = mapped_column(String(500))
    #: RFC 5545 recurrence rule without UNTIL (e.g. ``FREQ=MONTHLY;BYDAY=+2TU;COUNT=10``).
    rrule: Mapped[str | None] = mapped_column(String(300))
    #: Last day (local, inclusive) of a recurring meeting; the feed writes it as UNTIL in UTC.
    repeat_until: Mapped[date | None]
    #: S2: face to face and within a day of its conference (computed on every save).
    is_planning: Mapped[bool] = mapped_column(Boolean, default=False)
    #: M3: when the agenda must be final.
    agenda_final_by: Mapped[date | None]
    #: M5: bumped on every change that matters to an attendee (time, place, link, status, recurrence).
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    #: Any change to the meeting, its agenda or its occurrences (feeds: LAST-MODIFIED, ETag).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    collaborative: Mapped["Collaborative"] = relationship(lazy="joined")
    conference: Mapped[Conference | None] = relationship(lazy="joined")
    organizer: Mapped["Person | None"] = relationship(lazy="joined")
    agenda: Mapped[list["AgendaItem"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position")
    occurrences: Mapped[list["MeetingOccurrence"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingOccurrence.original_start")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def is_recurring(self) -> bool:
        return self.rrule is not None

    @property
    def is_draft(self) -> bool:
        return self.status == MeetingStatus.DRAFT

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED

    @property
    def in_calendars(self) -> bool:
        """M2: published and cancelled meetings appear in calendars; drafts never do."""
        return self.status in CALENDAR_STATUSES

    @property
    def mode_label(self) -> str:
        return MeetingMode(self.mode).label

    @property
    def length_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def has_happened(self, now: datetime) -> bool:
        return self.starts_at <= now

    def touch(self, bump: bool = False) -> None:
        """Note a change (feeds' LAST-MODIFIED and ETag); M5: a change that matters to attendees
        of a meeting already in calendars (``bump``) raises its SEQUENCE too."""
        self.updated_at = now_utc()
        if bump and not self.is_draft:
            self.sequence += 1

    def beside(self, conference: Conference | None) -> bool:
        """S2: a face-to-face meeting within one day before the start or after the end of
        ``conference`` is a planning meeting."""
        return (conference is not None and self.mode == MeetingMode.FACE_TO_FACE
                and conference.is_beside(self.local_start.date()))


class OccurrenceStatus(StrEnum):
    MOVED = "moved"
    CANCELLED = "cancelled"


class MeetingOccurrence(Base):
    """One occurrence of a recurring meeting that was moved or cancelled (RECURRENCE-ID / EXDATE)."""

    __tablename__ = "meeting_occurrences"
    __table_args__ = (
        UniqueConstraint("meeting_id", "original_start", name="uq_meeting_occurrences_original"),
        enum_check("status", OccurrenceStatus, name="status_known"),
        CheckConstraint("status <> 'moved' OR (local_start IS NOT NULL AND local_end > local_start "
                        "AND ends_at > starts_at)", name="moved_has_times"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    #: The occurrence's start as the rule generates it, in the meeting's wall time (RECURRENCE-ID).
    original_start: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    status: Mapped[OccurrenceStatus] = mapped_column(EnumText(OccurrenceStatus, 16))
    local_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    local_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    meeting: Mapped[Meeting] = relationship(back_populates="occurrences")


class AgendaItem(Base):
    """M3: one item of a meeting's agenda: title, presenter, minutes allotted, notes, position."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint("position >= 0", name="position_not_negative"),
        Index("ix_agenda_items_meeting_position", "meeting_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    presenter: Mapped[str] = mapped_column(String(200), default="")
    minutes: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: M3: the plan milestone the item advances, if any (unlinked when the milestone is removed).
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_milestones.id", ondelete="SET NULL"), index=True)

    meeting: Mapped[Meeting] = relationship(back_populates="agenda")


class MeetingMinutes(Base):
    """M4: the minutes of one occurrence of a meeting (a single meeting has one occurrence).

    An occurrence is keyed by ``occurrence_start``, its start as the series' rule generates it, in
    the series' wall time (the RECURRENCE-ID): a moved occurrence keeps its key.
    """

    __tablename__ = "meeting_minutes"
    __table_args__ = (UniqueConstraint("meeting_id", "occurrence_start", name="uq_meeting_minutes_occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    #: The occurrence's original local start (a single meeting: its ``local_start``).
    occurrence_start: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    text: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)

    recorded_by: Mapped["Person | None"] = relationship(lazy="joined")


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    APOLOGIES = "apologies"
    ABSENT = "absent"


class Attendance(Base):
    """M4: who attended one occurrence of a meeting (recorded afterwards, with its minutes)."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (
        UniqueConstraint("meeting_id", "occurrence_start", "person_id", name="uq_meeting_attendance_occurrence_person"),
        enum_check("status", AttendanceStatus, name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    #: The occurrence, as in ``MeetingMinutes.occurrence_start``.
    occurrence_start: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(EnumText(AttendanceStatus, 16),
                                                     default=AttendanceStatus.PRESENT)

    person: Mapped["Person"] = relationship(lazy="joined")


class FeedKind(StrEnum):
    PERSON = "person"
    SCHOOL = "school"


class FeedToken(Base):
    """M5: the secret in a private feed's URL. Revocable; regenerating issues a new one.

    The database keeps a random ``nonce`` and the sha256 of the token; the token itself is an HMAC
    of the nonce under the site's secret key, so the page can show the URL again while a copy of
    the database alone does not reveal it.
    """

    __tablename__ = "feed_tokens"
    __table_args__ = (
        enum_check("kind", FeedKind, name="kind_known"),
        CheckConstraint("(kind = 'person' AND person_id IS NOT NULL AND school_id IS NULL) OR "
                        "(kind = 'school' AND school_id IS NOT NULL AND person_id IS NULL)", name="owner_matches_kind"),
        Index("uq_feed_tokens_active_person", "person_id", unique=True,
              sqlite_where=text("revoked_at IS NULL AND kind = 'person'"),
              postgresql_where=text("revoked_at IS NULL AND kind = 'person'")),
        Index("uq_feed_tokens_active_school", "school_id", unique=True,
              sqlite_where=text("revoked_at IS NULL AND kind = 'school'"),
              postgresql_where=text("revoked_at IS NULL AND kind = 'school'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FeedKind] = mapped_column(EnumText(FeedKind, 16))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped["Person | None"] = relationship(foreign_keys=[person_id])
    school: Mapped["School | None"] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class RsvpAnswer(StrEnum):
    GOING = "going"
    NOT_GOING = "not_going"
    MAYBE = "maybe"

    @property
    def label(self) -> str:
        return {"going": "Going", "not_going": "Not going", "maybe": "Maybe"}[self.value]


class Rsvp(Base):
    """M4/S2: a member's or Core member's answer to a published meeting, for one of its occurrences
    (keyed like minutes: its start as the series' rule generates it; a single meeting: its start).
    The headcount Center staff cater for follows the answers."""

    __tablename__ = "meeting_rsvps"
    __table_args__ = (
        UniqueConstraint("meeting_id", "occurrence_start", "person_id", name="uq_meeting_rsvps_occurrence_person"),
        enum_check("answer", RsvpAnswer, name="answer_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    #: The occurrence, as in ``MeetingMinutes.occurrence_start``.
    occurrence_start: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    answer: Mapped[RsvpAnswer] = mapped_column(EnumText(RsvpAnswer, 16))
    note: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    person: Mapped["Person"] = relationship(lazy="joined")


class SupportStatus(StrEnum):
    REQUESTED = "requested"
    ARRANGED = "arranged"


class PlanningSupport(Base):
    """S2: what the network provides a planning meeting at the conference hotel — the room and the
    refreshments (coffee, lunch) — and where Center staff are with it (``requested`` → ``arranged``).
    A planning meeting without a row is requested with coffee and lunch, room to be named."""

    __tablename__ = "planning_support"
    __table_args__ = (enum_check("status", SupportStatus, name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), unique=True)
    room: Mapped[str] = mapped_column(String(200), default="")
    coffee: Mapped[bool] = mapped_column(Boolean, default=True)
    lunch: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[SupportStatus] = mapped_column(EnumText(SupportStatus, 16), default=SupportStatus.REQUESTED)
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class MeetingInvitation(Base):
    """M5: a published meeting sent to a person as a calendar invitation (iTIP, RFC 5546), and what
    they were sent last: the meeting's changes (a higher SEQUENCE) and its cancellation go to each
    person invited, at the address invited, with the same UID."""

    __tablename__ = "meeting_invitations"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id", name="uq_meeting_invitations_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    #: The site's address when first invited: the events' UIDs are made of its host, so every update
    #: and the cancellation name the same event however the site is configured later.
    base_url: Mapped[str] = mapped_column(String(300))
    #: The ORGANIZER the invitation named (``Name <address>``: the network's sender), kept for its updates.
    organizer: Mapped[str] = mapped_column(String(400))
    #: The SEQUENCE of the meeting and of each changed occurrence when last sent (``invitations.version``).
    version: Mapped[str] = mapped_column(Text)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    #: When the last invitation or update went out.
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    #: When the cancellation (METHOD:CANCEL) went out.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped["Person"] = relationship(lazy="joined")
