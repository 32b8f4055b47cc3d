"""Input and output shapes for conferences, meetings, agendas, minutes and feed tokens (forms and API).

Each input shape names the rule its refusals fall under (``rule``). A shape checks types and lengths
only; what a rule requires (a name, a title, a start, minutes allotted ...) is left to the service,
which refuses it with the rule and the same message whether it came from a form or the API.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ..money import AmountText, MoneyOut
from ..network.schemas import PersonBrief
from ..zones import LocalDateTime


class ConferenceIn(BaseModel):
    rule: ClassVar[str] = "S1"
    name: str | None = Field(default=None, max_length=200)
    kind: str = Field(default="conference", max_length=40, description="conference or institute")
    starts_on: date | None = None
    ends_on: date | None = None
    city: str | None = Field(default=None, max_length=100)
    country: str = Field(default="", max_length=100)
    time_zone: str | None = Field(default=None, max_length=64, description="IANA zone of the city, e.g. Asia/Bangkok")
    hotel: str = Field(default="", max_length=200)
    hotel_address: str = Field(default="", max_length=300)
    description: str = Field(default="", max_length=5000)
    featured: list[Annotated[str, Field(max_length=80)]] = Field(default_factory=list, max_length=100, description="slugs of the collaboratives it features")
    slug: str | None = Field(default=None, max_length=80)
    hotel_night_cap: AmountText | None = Field(default=None, description="S3: the most paid for the hotel night")
    hotel_cap_currency: str | None = Field(default=None, max_length=10, description="S3: the cap's ISO 4217 code")


class ConferenceUpdate(BaseModel):
    rule: ClassVar[str] = "S1"
    name: str | None = Field(default=None, max_length=200)
    kind: str | None = Field(default=None, max_length=40)
    starts_on: date | None = None
    ends_on: date | None = None
    city: str | None = Field(default=None, max_length=100)
    country: str | None = Field(default=None, max_length=100)
    time_zone: str | None = Field(default=None, max_length=64)
    hotel: str | None = Field(default=None, max_length=200)
    hotel_address: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    featured: list[Annotated[str, Field(max_length=80)]] | None = Field(default=None, max_length=100)
    hotel_night_cap: AmountText | None = Field(default=None, description="S3: the nightly cap (\"\" clears it)")
    hotel_cap_currency: str | None = Field(default=None, max_length=10, description="S3: the cap's ISO 4217 code")


class CollabRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    slug: str
    name: str


class ConferenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    slug: str
    name: str
    kind: str
    starts_on: date
    ends_on: date
    city: str
    country: str
    time_zone: str
    hotel: str
    hotel_address: str
    description: str
    featured: list[CollabRef]
    sequence: int
    hotel_night_cap: MoneyOut | None = None
    hotel_cap_currency: str | None = None


class MeetingIn(BaseModel):
    rule: ClassVar[str] = "M1"
    collaborative: str = Field(max_length=80, description="slug of the collaborative")
    title: str | None = Field(default=None, max_length=200)
    mode: str | None = Field(default=None, max_length=40, description="face_to_face, virtual or hybrid")
    time_zone: str | None = Field(default=None, max_length=64, description="IANA zone the times are in")
    starts: LocalDateTime | None = Field(default=None, description="local wall time in time_zone, e.g. 2027-03-25T09:00")
    ends: LocalDateTime | None = Field(default=None, description="local wall time in time_zone")
    place: str = Field(default="", max_length=300)
    join_url: str | None = Field(default=None, max_length=500)
    description: str = Field(default="", max_length=10000)
    conference: str | None = Field(default=None, max_length=80, description="slug of the conference it is held beside")
    rrule: str | None = Field(default=None, max_length=300,
                              description="RFC 5545 RRULE without UNTIL, e.g. FREQ=MONTHLY;BYDAY=+2TU;COUNT=9")
    repeat: str | None = Field(default=None, max_length=40, description="forms: none, weekly, fortnightly, monthly_weekday")
    repeat_until: date | None = Field(default=None, description="last day of a recurring meeting (local)")
    agenda_final_by: date | None = None


class MeetingUpdate(BaseModel):
    rule: ClassVar[str] = "M1"
    title: str | None = Field(default=None, max_length=200)
    mode: str | None = Field(default=None, max_length=40)
    time_zone: str | None = Field(default=None, max_length=64)
    starts: LocalDateTime | None = None
    ends: LocalDateTime | None = None
    place: str | None = Field(default=None, max_length=300)
    join_url: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=10000)
    conference: str | None = Field(default=None, max_length=80)
    rrule: str | None = Field(default=None, max_length=300)
    repeat_until: date | None = None
    agenda_final_by: date | None = None


class CancelIn(BaseModel):
    rule: ClassVar[str] = "M2"
    reason: str = Field(default="", max_length=1000)


class OccurrenceIn(BaseModel):
    rule: ClassVar[str] = "M1"
    original_start: LocalDateTime = Field(description="the occurrence's start as the rule generates it (local)")
    action: str = Field(default="", max_length=40, description="move or cancel")
    starts: LocalDateTime | None = Field(default=None, description="new local start (move)")
    ends: LocalDateTime | None = Field(default=None, description="new local end (move)")
    note: str = Field(default="", max_length=1000)


class AgendaItemIn(BaseModel):
    rule: ClassVar[str] = "M3"
    id: int | None = Field(default=None, description="an existing item keeps its id")
    title: str | None = Field(default=None, max_length=200)
    presenter: str = Field(default="", max_length=200)
    minutes: int | None = Field(default=None, description="minutes allotted, 1 to 1440")
    notes: str = Field(default="", max_length=5000)
    milestone_id: int | None = Field(default=None, description="a milestone of a plan of the meeting's collaborative (M3)")


class AgendaFormIn(BaseModel):
    rule: ClassVar[str] = "M3"
    title: str | None = Field(default=None, max_length=200)
    presenter: str = Field(default="", max_length=200)
    minutes: int | None = Field(default=None, description="minutes allotted, 1 to 1440")
    notes: str = Field(default="", max_length=5000)
    milestone_id: int | None = Field(default=None, description="the plan milestone the item advances (M3)")


class AgendaIn(BaseModel):
    rule: ClassVar[str] = "M3"
    items: list[AgendaItemIn] = Field(max_length=100)
    agenda_final_by: date | None = None


class AgendaItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    position: int
    title: str
    presenter: str
    minutes: int
    notes: str
    milestone_id: int | None


class AgendaOut(BaseModel):
    items: list[AgendaItemOut]
    agenda_final_by: date | None
    total_minutes: int
    meeting_minutes: int
    warning: str | None


class OccurrenceOut(BaseModel):
    original_start: LocalDateTime
    local_start: LocalDateTime
    local_end: LocalDateTime
    starts_at: datetime
    ends_at: datetime
    status: str


class MeetingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    collaborative: CollabRef
    title: str
    description: str
    mode: str
    status: str
    time_zone: str
    local_start: LocalDateTime
    local_end: LocalDateTime
    starts_at: datetime
    ends_at: datetime
    place: str
    join_url: str | None
    conference: CollabRef | None = None
    is_planning: bool
    rrule: str | None
    repeat_until: date | None
    agenda_final_by: date | None
    sequence: int
    updated_at: datetime
    warnings: list[str] = Field(default_factory=list, description="M1: when scheduling or changing: what a "
                                "daylight-saving change does to the times chosen (a wall time that happens twice, "
                                "an occurrence in a skipped hour); empty otherwise")


class AttendanceIn(BaseModel):
    rule: ClassVar[str] = "M4"
    person_id: int
    status: str = Field(default="present", max_length=40, description="present, apologies or absent")


class MinutesIn(BaseModel):
    rule: ClassVar[str] = "M4"
    minutes: str = Field(default="", max_length=50000)
    attendance: list[AttendanceIn] = Field(default_factory=list, max_length=5000)


class MinutesOut(BaseModel):
    occurrence: LocalDateTime = Field(description="the occurrence: its start as the series' rule generates it, in the "
                                             "meeting's zone (a moved occurrence keeps it); a single meeting: its start")
    starts_at: datetime = Field(description="when the occurrence starts (UTC; where it was moved to)")
    status: str = Field(description="scheduled, moved or cancelled")
    minutes: str
    minutes_at: datetime | None = Field(description="when they were recorded (null: not yet)")
    attendance: list[AttendanceIn]


class FeedTokenIn(BaseModel):
    rule: ClassVar[str] = "M5"
    kind: str = Field(default="person", max_length=40, description="person or school")
    school: str | None = Field(default=None, max_length=80, description="school slug (kind=school)")


class FeedTokenOut(BaseModel):
    id: int
    kind: str
    created_at: datetime
    revoked_at: datetime | None
    https_url: str | None = Field(default=None, description="the secret feed URL (active tokens only)")
    webcal_url: str | None = None


class ZoneGroupOut(BaseModel):
    zone: str
    offset: str
    local_start: LocalDateTime
    local_end: LocalDateTime
    count: int
    outside: int
    warning: str | None


class SuggestionOut(BaseModel):
    local_start: LocalDateTime
    starts_at: datetime
    outside: int
    in_school_day: int


class SchedulingOut(BaseModel):
    zones: list[ZoneGroupOut]
    people: int
    outside: int
    suggestions: list[SuggestionOut]


class RsvpIn(BaseModel):
    """M4/S2: an answer to a meeting (one occurrence of a series)."""

    rule: ClassVar[str] = "M4"
    answer: str = Field(default="", max_length=40, description="going, not_going or maybe")
    note: str = Field(default="", max_length=500)
    occurrence: LocalDateTime | None = Field(default=None, description="the occurrence's start as the series' rule "
                                        "generates it, in the meeting's zone (a single meeting: leave it out)")


class RsvpOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    person: PersonBrief
    answer: str
    note: str
    answered_at: datetime


class RsvpsOut(BaseModel):
    occurrence: LocalDateTime = Field(description="the occurrence answered for (its key)")
    starts_at: datetime
    going: int
    not_going: int
    maybe: int
    answers: list[RsvpOut]
    mine: RsvpOut | None
    unanswered_core: list[PersonBrief] | None = Field(description="Core members who have not answered "
                                                                  "(for the Core and the DPL; else null)")


class SupportIn(BaseModel):
    """S2: the room and refreshments of a planning meeting, and where Center staff are with them."""

    rule: ClassVar[str] = "S2"
    meeting_id: int | None = Field(default=None, description="the planning meeting (pages; the API names it in the path)")
    room: str = Field(default="", max_length=200)
    coffee: bool = False
    lunch: bool = False
    status: str = Field(default="requested", max_length=40, description="requested or arranged")
    notes: str = Field(default="", max_length=2000)


class SupportOut(BaseModel):
    meeting_id: int
    collaborative: str
    title: str
    local_start: LocalDateTime = Field(description="local wall time in time_zone")
    local_end: LocalDateTime
    time_zone: str
    cancelled: bool
    headcount: int
    headcount_from: str = Field(description="attended, answers, or core (nobody has answered: the Core's size)")
    room: str
    coffee: bool
    lunch: bool
    status: str
    notes: str


class InvitationOut(BaseModel):
    """M5: one person the meeting was sent to as a calendar invitation."""

    person: PersonBrief
    invited_at: datetime
    sent_at: datetime = Field(description="when the last invitation or update went out")
    current: bool = Field(description="whether their copy has the meeting's latest SEQUENCE")
    cancelled_at: datetime | None = Field(description="when the cancellation (METHOD:CANCEL) went out")


class InvitationsOut(BaseModel):
    invited: list[InvitationOut]
    not_yet: list[PersonBrief] = Field(description="expected people (members and Core) not invited yet")


class InvitationsSentOut(BaseModel):
    invited: int = Field(description="new invitations written to the outbox")
    updated: int = Field(description="updates sent to people whose copy was out of date")
