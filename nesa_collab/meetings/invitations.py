"""M5: a published meeting sent to its expected attendees as a calendar invitation (iTIP, RFC 5546),
so that people who live in Outlook or Gmail get a real invitation that follows the meeting.

Each invitation is a message in the outbox with an iCalendar part (``text/calendar;
method=REQUEST``): the meeting's events as its feed has them (``ical.meeting_events``: the same UID,
``meeting-{id}@{host}``, and SEQUENCE), with the network's sender as ORGANIZER (named after the
meeting's organizer) and the recipient as ATTENDEE. Who was sent what is kept
(``MeetingInvitation``), so that:

- sending again reaches only the expected people not invited yet (a member who joined since);
- a change that raises a SEQUENCE (a move, a new place or link, an occurrence moved or cancelled)
  sends everyone invited an update (``REQUEST`` with the higher SEQUENCE), and the cancellation of
  the meeting sends them ``METHOD:CANCEL`` — through ``meeting_changed``, which ``create_app`` installs
  among the meeting's change listeners, in the transaction of the change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from email.utils import formataddr, parseaddr

from icalendar import Calendar, vCalAddress
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import record
from ..clock import now_utc
from ..errors import DomainError
from ..notifications.services import Attachment, tell
from ..permissions import Actor, require
from ..settings import Settings
from . import ical, minutes
from .models import Meeting, MeetingInvitation, MeetingStatus

REQUEST, CANCEL = "REQUEST", "CANCEL"
KIND_INVITATION = "meeting.invitation"
KIND_UPDATE = "meeting.update"
KIND_CANCEL = "meeting.cancel"


def version(meeting: Meeting) -> str:
    """What an invitee's copy depends on: the SEQUENCE of the meeting and of each of its moved or
    cancelled occurrences. A copy sent at another version is out of date."""
    return ";".join([str(meeting.sequence)] + [f"{o.original_start:%Y%m%dT%H%M}={o.sequence}"
                                               for o in sorted(meeting.occurrences, key=lambda o: o.original_start)])


def itip(meeting: Meeting, method: str, base_url: str, organizer: str, attendee_name: str, attendee_email: str) -> str:
    """The iTIP message (RFC 5546) for one attendee: ``REQUEST`` (the meeting's events as in its feed)
    or ``CANCEL`` (the meeting, cancelled: its whole series), with ORGANIZER and ATTENDEE, and a
    VTIMEZONE for the meeting's zone."""
    base = base_url.rstrip("/")
    events = ical.meeting_events(meeting, ical.host_of(base), f"{base}/meetings/{meeting.id}")
    if method == CANCEL:
        events = [replace(e, status="CANCELLED") for e in events if e.recurrence_id is None]
    name, address = parseaddr(organizer)
    cal = Calendar()  # no calendar UID (RFC 7986): each message is one scheduling message, not a calendar
    cal.add("prodid", ical.PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add_component(ical.timezone_component(meeting.time_zone, *ical.zone_span(events)))
    for e in events:
        event = ical.vevent(e)
        event.add("organizer", vCalAddress.new(address, cn=name or None))
        event.add("attendee", vCalAddress.new(attendee_email, cn=attendee_name, role="REQ-PARTICIPANT",
                                              partstat="NEEDS-ACTION", rsvp=False))
        cal.add_component(event)
    return cal.to_ical().decode()


def _when(meeting: Meeting) -> str:
    text = f"{meeting.local_start:%A %-d %B %Y, %H:%M}–{meeting.local_end:%H:%M} ({meeting.time_zone})"
    if meeting.is_recurring:
        text += ", the first of a series"
    return text


def _text(meeting: Meeting, method: str, base_url: str, name: str, update: bool) -> str:
    page = f"{base_url.rstrip('/')}/meetings/{meeting.id}"
    if method == CANCEL:
        opening = f"The {meeting.collaborative.name} has cancelled {meeting.title}."
    elif update:
        opening = f"{meeting.title} ({meeting.collaborative.name}) has changed; your calendar can take the update."
    else:
        opening = f"You are invited to {meeting.title} ({meeting.collaborative.name})."
    lines = [f"Dear {name},", "", opening, "", f"When: {_when(meeting)}"]
    if meeting.place:
        lines.append(f"Where: {meeting.place}")
    if meeting.join_url and method != CANCEL:
        lines.append(f"Join online: {meeting.join_url}")
    lines += ["", f"The meeting's page (say whether you are going, read the agenda): {page}", "",
              "This message carries the meeting as a calendar invitation: your calendar program adds it, "
              "and follows its later changes."]
    return "\n".join(lines) + "\n"


def _send(db: Session, invitation: MeetingInvitation, meeting: Meeting, method: str, *, update: bool) -> None:
    person = invitation.person
    kind = KIND_CANCEL if method == CANCEL else (KIND_UPDATE if update else KIND_INVITATION)
    prefix = {KIND_CANCEL: "Cancelled", KIND_UPDATE: "Updated", KIND_INVITATION: "Invitation"}[kind]
    subject = f"{prefix}: {meeting.title} — {meeting.local_start:%-d %b %Y %H:%M} ({meeting.time_zone})"
    calendar = itip(meeting, method, invitation.base_url, invitation.organizer, person.name, invitation.email)
    tell(db, _Address(person.id, invitation.email), kind, subject,
         _text(meeting, method, invitation.base_url, person.name, update),
         attachment=Attachment("text/calendar", calendar, method))
    invitation.sent_at = now_utc()


@dataclass(frozen=True)
class _Address:
    """The recipient as invited: updates go to the address the invitation went to."""

    id: int
    email: str


def organizer_of(meeting: Meeting, settings: Settings) -> str:
    """ORGANIZER: the network's sender address, named after the meeting's organizer (else the network)."""
    name, address = settings.mail_sender
    return formataddr((meeting.organizer.name if meeting.organizer else name, address))


def _expected_on(meeting: Meeting, today: date) -> date:
    """The day whose members and Core are expected: the meeting's first day, or today for a series
    already under way."""
    return max(meeting.local_start.date(), today)


@dataclass(frozen=True)
class InvitationState:
    """Who was sent the meeting (with whether their copy is current and whether they were sent its
    cancellation), and the expected people not invited yet."""

    invited: list[MeetingInvitation]
    not_yet: list  # people (auth's Person)
    current: str

    def is_current(self, invitation: MeetingInvitation) -> bool:
        return invitation.version == self.current

    @property
    def sendable(self) -> bool:
        return bool(self.not_yet)


def invitation_state(db: Session, actor: Actor, meeting: Meeting, today: date) -> InvitationState:
    """M5: for the meeting's editors, who was invited and who is expected but not invited yet."""
    require(actor, "meeting.edit", meeting.collaborative)
    invited = list(db.scalars(select(MeetingInvitation).where(MeetingInvitation.meeting_id == meeting.id)
                              .order_by(MeetingInvitation.invited_at, MeetingInvitation.id)))
    done = {i.person_id for i in invited}
    expected = minutes.expected_people(db, meeting.collaborative_id, _expected_on(meeting, today)) \
        if meeting.status == MeetingStatus.PUBLISHED else []
    return InvitationState(invited, [p for p in expected if p.id not in done and p.is_active], version(meeting))


@dataclass(frozen=True)
class Sent:
    """What ``send_invitations`` wrote: new invitations and updates of out-of-date copies."""

    invited: int
    updated: int


def send_invitations(db: Session, actor: Actor, meeting: Meeting, today: date, settings: Settings) -> Sent:
    """M5: send a published meeting to its expected people — its collaborative's members and its Core
    (M4) — as an iCalendar invitation through the outbox; those invited before get an update if their
    copy is out of date, nothing otherwise. M2: a draft or a cancelled meeting is not sent."""
    require(actor, "meeting.edit", meeting.collaborative)
    if meeting.status != MeetingStatus.PUBLISHED:
        raise DomainError("M2", f"only a published meeting can be sent as an invitation; this one is {meeting.status}",
                          field="status")
    state = invitation_state(db, actor, meeting, today)
    now, organizer = now_utc(), organizer_of(meeting, settings)
    for person in state.not_yet:
        invitation = MeetingInvitation(meeting_id=meeting.id, person=person, person_id=person.id, email=person.email,
                                       base_url=settings.base_url, organizer=organizer, version=state.current,
                                       invited_at=now)
        db.add(invitation)
        _send(db, invitation, meeting, REQUEST, update=False)
    stale = [i for i in state.invited if i.cancelled_at is None and not state.is_current(i)]
    for invitation in stale:
        _send(db, invitation, meeting, REQUEST, update=True)
        invitation.version = state.current
    if state.not_yet or stale:
        record(db, actor, "meeting.invite", meeting,
               f"Sent {meeting.title} as a calendar invitation to {len(state.not_yet)} "
               f"{'person' if len(state.not_yet) == 1 else 'people'}" + (f", updated {len(stale)}" if stale else ""),
               after={"invited": [p.id for p in state.not_yet], "updated": [i.person_id for i in stale],
                      "sequence": meeting.sequence},
               collaborative_id=meeting.collaborative_id)
    return Sent(len(state.not_yet), len(stale))


def meeting_changed(db: Session, meeting: Meeting) -> None:
    """M5: the invitations follow the meeting, in the transaction of its change: a change that raised
    a SEQUENCE sends everyone invited an update; its cancellation sends them ``METHOD:CANCEL``. A
    change that leaves every SEQUENCE as it was (the agenda, the description) sends nothing."""
    if meeting.id is None:
        return
    invitations = list(db.scalars(select(MeetingInvitation).where(MeetingInvitation.meeting_id == meeting.id,
                                                                  MeetingInvitation.cancelled_at.is_(None))))
    if not invitations:
        return
    current = version(meeting)
    for invitation in invitations:
        if meeting.status == MeetingStatus.CANCELLED:
            _send(db, invitation, meeting, CANCEL, update=True)
            invitation.cancelled_at, invitation.version = invitation.sent_at, current
        elif invitation.version != current and meeting.status == MeetingStatus.PUBLISHED:
            _send(db, invitation, meeting, REQUEST, update=True)
            invitation.version = current


def invited_ids(db: Session, meeting_id: int) -> set[int]:
    """The people a meeting was sent to (for tests and the API's summary)."""
    return set(db.scalars(select(MeetingInvitation.person_id).where(MeetingInvitation.meeting_id == meeting_id)))

