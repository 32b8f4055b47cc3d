"""The school's secret calendar (M5, O1–O2): one event per obligation — the planning meeting's hours
for a release, the conference's days for attendance — with the school's answer. Each keeps its UID
for good; its SEQUENCE goes up when its days, its answer or its meeting change, and a withdrawn one
stays, cancelled, so subscribers' copies disappear.

The feed's ETag is the school's version stamp (``meetings.feed_versions``): the reconcile step and the
school's answers bump it for the obligations they change (``obligations_changed``), and the listeners
below bump it when a meeting or a conference an obligation shows changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..meetings import feed_versions, ical
from ..meetings.feeds import ProvidedEvents
from ..meetings.models import Conference, Meeting
from ..network.models import School
from .models import Obligation, ObligationKind, ObligationStatus


def school_days(db: Session, school: School) -> ProvidedEvents:
    """M5: the days ``school`` owes, for its feed (installed in ``meetings.feeds.SCHOOL_DAYS_PROVIDERS``)."""

    def events(base_url: str) -> list[ical.EventData]:
        rows = db.scalars(select(Obligation).where(Obligation.school_id == school.id)
                          .order_by(Obligation.first_day, Obligation.id)).unique()
        base = base_url.rstrip("/")
        return [event(o, ical.host_of(base), f"{base}/schools/{school.slug}/obligations") for o in rows]

    return ProvidedEvents(events)


def obligations_changed(db: Session, obligation_ids: Iterable[int]) -> None:
    """M5/O1–O3: these obligations were added, moved, restated, answered or withdrawn: their schools'
    feeds get a new version, in the same transaction."""
    ids = sorted(set(obligation_ids))
    if ids:
        feed_versions.bump_schools(db, select(Obligation.school_id).where(Obligation.id.in_(ids)))


def meeting_changed(db: Session, meeting: Meeting) -> None:
    """M5/O1: a release shows its meeting's title, hours and place: the feeds of the schools owing one
    for ``meeting`` get a new version (installed in ``MEETING_CHANGE_LISTENERS``, after the reconcile)."""
    feed_versions.bump_schools(db, select(Obligation.school_id).where(Obligation.meeting_id == meeting.id))


def conference_changed(db: Session, conference: Conference) -> None:
    """M5/O2: attendance shows its conference's name and place: the feeds of the schools owing it get a
    new version (installed in ``CONFERENCE_CHANGE_LISTENERS``, after the reconcile)."""
    feed_versions.bump_schools(db, select(Obligation.school_id).where(Obligation.conference_id == conference.id))


def event(o: Obligation, host: str, page_url: str) -> ical.EventData:
    """One obligation as a VEVENT: timed in the meeting's zone for a release, all-day for attendance
    (or for a release whose meeting is gone)."""
    meeting = o.meeting
    if o.kind == ObligationKind.RELEASE and meeting is not None:
        zone = ZoneInfo(meeting.time_zone)
        start, end = meeting.local_start.replace(tzinfo=zone), meeting.local_end.replace(tzinfo=zone)
    else:
        start, end = o.first_day, o.last_day + timedelta(days=1)
    stamp = max(o.updated_at, meeting.updated_at) if meeting is not None else o.updated_at
    sequence = o.sequence + (meeting.sequence if meeting is not None else 0)
    if not o.is_live:
        status, prefix = "CANCELLED", "Withdrawn: "
    elif o.status == ObligationStatus.DECLINED:
        status, prefix = "CANCELLED", "Declined: "
    elif o.status == ObligationStatus.PENDING:
        status, prefix = "TENTATIVE", "To confirm: "
    else:
        status, prefix = "CONFIRMED", ""
    if o.kind == ObligationKind.RELEASE:
        title = meeting.title if meeting is not None else "planning meeting"
        what = f"Release {o.person.name} — {title} ({o.collaborative.name})"
    else:
        what = f"{o.person.name} at the {o.conference.name}"
    lines = [f"{o.statement} ({o.rule}).", "", f"Why: {o.why}", f"Support: {o.support}", "",
             f"The school's answer: {o.status_label}"]
    if o.decline_reason:
        lines[-1] += f" — {o.decline_label}" + (f": {o.decision_note}" if o.decision_note else "")
    if not o.is_live:
        lines.append(f"Withdrawn: {o.withdrawn_reason}")
    if meeting is not None:
        lines.append(f"Where: {meeting.place}")
    lines += ["", f"The school's obligations: {page_url}"]
    return ical.EventData(uid=f"obligation-{o.id}@{host}", summary=prefix + what, start=start, end=end, stamp=stamp,
                          sequence=sequence, status=status, description="\n".join(lines),
                          location=meeting.place if meeting is not None else o.conference.place, url=page_url,
                          categories=(o.kind_label,), created=o.created_at)
