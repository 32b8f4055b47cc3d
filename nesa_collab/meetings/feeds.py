"""M5: what each calendar feed holds, its cheap fingerprint (ETag, Last-Modified) and its bytes.

A feed is described by a ``FeedScope``, built without a query. ``fingerprint()`` reads the feed's
version stamps (``feed_versions``: a row or two, whatever the size of the feed), so a conditional
request is answered without counting, loading or rendering anything; ``render()`` loads the rows once
and hands them to the pure builder in ``ical``.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Callable

from sqlalchemy import Select, String, and_, literal_column, null, or_, select, union, union_all
from sqlalchemy.orm import Session, selectinload

from ..auth.models import Person
from ..cores.models import Appointment
from ..cores.services import term_overlaps
from ..permissions import Actor
from ..db import Database
from ..errors import NotFound
from ..network import services as network
from ..network.models import Collaborative, Membership, School
from . import feed_cache, ical, services
from .feed_cache import FeedEntry, entry_key
from .feed_versions import NETWORK, FeedVersion, StampKind, stamps_of
from .models import CALENDAR_STATUSES, Conference, ConferenceCollaborative, Meeting, Rsvp

#: Bump when the feed layout (or the ETag's making) changes, so clients holding an old ETag get the new content.
FEED_VERSION = "5"  # 5: VTIMEZONEs from zoneinfo's transitions; series with DURATION; DST overrides


@dataclass(frozen=True)
class Adaptation:
    """The events of some meetings rewritten for one reader (a person's feed shows their answers)."""

    meetings: frozenset[int]
    rewrite: Callable[[Meeting, list[ical.EventData]], list[ical.EventData]]


@dataclass
class FeedScope:
    key: str
    name: str
    url: str
    description: str = ""
    #: SQL conditions selecting the meetings (None: the feed has no meetings).
    meetings: list[Any] | None = None
    #: SQL conditions selecting the conferences (None: no conferences).
    conferences: list[Any] | None = None
    #: SQL: the version stamps the feed is made of (``feed_versions``); its rows change whenever what
    #: the feed shows changes, and their newest time is the feed's Last-Modified.
    stamps: Select | None = None
    #: Other inputs known without a query (the collaborative's last change: its name is in the events).
    extra: tuple = ()
    #: Loaded for a render only: rewrites the events of some meetings for this feed's reader; the other
    #: meetings come from the stored entries.
    adapt: Callable[[Session], Adaptation] | None = None
    #: Events a higher domain provides (the school feed's owed days).
    provided: list["ProvidedEvents"] = field(default_factory=list)


@dataclass(frozen=True)
class ProvidedEvents:
    """Events a domain above meetings adds to a feed (the days a school owes, from the obligations):
    ``events(base_url)`` builds them. What they depend on bumps the feed's stamp (``feed_versions``)."""

    events: Callable[[str], list[ical.EventData]]


#: M5/O1–O2: who provides the days a school's feed lists: each is called as ``provider(db, school)``.
#: ``create_app`` installs the obligations package's (meetings cannot import it: it builds on meetings).
SCHOOL_DAYS_PROVIDERS: list[Callable[[Session, School], ProvidedEvents]] = []


@dataclass(frozen=True)
class Fingerprint:
    etag: str
    last_modified: datetime | None


def _meeting_conditions(scope: FeedScope) -> list[Any]:
    return [Meeting.status.in_(CALENDAR_STATUSES), *(scope.meetings or [])]


def fingerprint(db: Session, scope: FeedScope) -> Fingerprint:
    """M5: the feed's ETag and Last-Modified from its version stamps: one query reading a row or two,
    the same cost at 5 events or 5,000."""
    rows = [tuple(r) for r in db.execute(scope.stamps)] if scope.stamps is not None else []
    parts: list[Any] = [FEED_VERSION, scope.key, scope.name, scope.url, scope.extra, rows]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    stamps = [v for v in (*scope.extra, *(v for r in rows for v in r)) if isinstance(v, datetime)]
    return Fingerprint(f'"{digest}"', max(stamps) if stamps else None)


def load_conferences(db: Session, scope: FeedScope) -> list[Conference]:
    if scope.conferences is None:
        return []
    return list(db.scalars(select(Conference).where(*scope.conferences).order_by(Conference.starts_on)))


def _meeting_rows(db: Session, scope: FeedScope):
    """What a feed needs to know about each meeting without loading it: its zone and span for the
    VTIMEZONEs, and its stored entry with the inputs that entry must match."""
    if scope.meetings is None:
        return []
    return db.execute(
        select(Meeting.id, Meeting.time_zone, Meeting.starts_at, Meeting.last_ends_at, Meeting.updated_at,
               Collaborative.updated_at, Conference.updated_at, FeedEntry.key, FeedEntry.body)
        .join(Collaborative, Collaborative.id == Meeting.collaborative_id)
        .outerjoin(Conference, Conference.id == Meeting.conference_id)
        .outerjoin(FeedEntry, FeedEntry.meeting_id == Meeting.id)
        .where(*_meeting_conditions(scope)).order_by(Meeting.starts_at, Meeting.id)).all()


def _meeting_bodies(db: Session, scope: FeedScope, rows, base_url: str,
                   built: dict[int, tuple[str, str]]) -> list[bytes]:
    """Each meeting's VEVENTs: the stored entry where it is current, else built now; the entries built
    are added to ``built`` (meeting id: key and body), to be stored for next time. The meetings the
    scope adapts (``adapt``) are built for this feed each time."""
    adaptation = scope.adapt(db) if scope.adapt is not None and rows else None
    adapted = adaptation.meetings if adaptation is not None else frozenset()
    bodies: dict[int, bytes] = {}
    keys: dict[int, str] = {}
    for r in rows:
        keys[r.id] = entry_key(r[4], r[5], r[6], base_url)
        if r.body is not None and r.key == keys[r.id] and r.id not in adapted:
            bodies[r.id] = r.body.encode()
    missing = [r.id for r in rows if r.id not in bodies]
    if missing:
        base = base_url.rstrip("/")
        host = ical.host_of(base_url)
        for m in db.scalars(select(Meeting).where(Meeting.id.in_(missing))
                            .options(selectinload(Meeting.agenda), selectinload(Meeting.occurrences))).unique():
            evs = ical.meeting_events(m, host, f"{base}/meetings/{m.id}")
            if adaptation is not None and m.id in adapted:
                bodies[m.id] = b"".join(ical.event_bytes(e) for e in adaptation.rewrite(m, evs))
                continue
            bodies[m.id] = b"".join(ical.event_bytes(e) for e in evs)
            built[m.id] = (keys[m.id], bodies[m.id].decode())
    return [bodies[r.id] for r in rows]


_CACHE: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_CACHE_SIZE = 64
#: Sync endpoints run in a thread pool: the cache is shared between threads.
_CACHE_LOCK = threading.Lock()


def render(db: Session, scope: FeedScope, base_url: str, etag: str | None = None, *,
           store_in: Database | None = None) -> bytes:
    """The feed's bytes; the last few rendered feeds are kept by ETag (same ETag, same bytes).

    The events of meetings without a current stored entry are built now; with ``store_in`` they are
    stored for the next request in a short transaction of their own (``feed_cache.store``, best
    effort: the feed is answered whether or not that write succeeds)."""
    key = (scope.key, etag or "")
    if etag:
        with _CACHE_LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
    rows = _meeting_rows(db, scope)
    host = ical.host_of(base_url)
    conferences = [ical.conference_event(c, host, f"{base_url.rstrip('/')}/conferences/{c.slug}")
                   for c in load_conferences(db, scope)]
    provided = [e for p in scope.provided for e in p.events(base_url)]
    timed = [e for e in provided if isinstance(e.start, datetime)]
    zones = sorted({r.time_zone for r in rows} | {e.start.tzinfo.key for e in timed})  # type: ignore[union-attr]
    days = [d for r in rows for d in (r.starts_at.date(), r.last_ends_at.date())]
    days += [d for e in timed for d in (e.start.date(), e.end.date())]  # type: ignore[union-attr]
    span = (min(days), max(days)) if days else None
    built: dict[int, tuple[str, str]] = {}
    body = ical.assemble(
        ical.FeedData(name=scope.name, uid=f"{scope.key.replace(':', '-')}@{host}", url=scope.url,
                      description=scope.description),
        zones, span, _meeting_bodies(db, scope, rows, base_url, built) + [ical.event_bytes(e) for e in conferences]
        + [ical.event_bytes(e) for e in provided])
    if store_in is not None:
        feed_cache.store(store_in, built)
    if etag:
        with _CACHE_LOCK:
            _CACHE[key] = body
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return body


# --- the feeds ---------------------------------------------------------------------------------------

def collaborative_scope(collab: Collaborative, base_url: str, network: str) -> FeedScope:
    """M5: a collaborative's meetings (public while it is active); its ETag is the collaborative's
    stamp and its last change (its name is in the events)."""
    return FeedScope(key=f"collaborative:{collab.id}", name=f"{collab.name} — {network} meetings",
                     url=f"{base_url.rstrip('/')}/collaboratives/{collab.slug}",
                     description=f"Meetings of the {collab.name}, each in its own time zone.",
                     meetings=[Meeting.collaborative_id == collab.id],
                     stamps=stamps_of((StampKind.COLLABORATIVE, collab.id)), extra=(collab.updated_at,))


def conferences_scope(base_url: str, network: str) -> FeedScope:
    """M5: the network's conferences and institutes."""
    return FeedScope(key="conferences", name=f"{network} conferences and institutes",
                     url=f"{base_url.rstrip('/')}/conferences", conferences=[],
                     stamps=stamps_of((StampKind.CONFERENCES, NETWORK)))


def person_collaboratives(person_id: int, today: date):
    """SQL: the collaboratives whose meetings a person's feed shows: those they are a member of and
    those whose Core they serve on ``today`` (C1: it follows the date, with no write to bump a stamp)."""
    return union(select(Membership.collaborative_id).where(Membership.person_id == person_id,
                                                           Membership.left_on.is_(None)),
                 select(Appointment.collaborative_id).where(Appointment.person_id == person_id,
                                                            term_overlaps(today, today)))


def _person_stamps(person_id: int, collab_ids) -> Select:
    """SQL, one statement: each of the person's collaboratives with its last change (its name is in its
    events) and its stamp (its meetings), then the person's own stamp (their answers) and the
    conferences' (those featuring their collaboratives are listed). Which collaboratives they are is
    part of the answer: joining one, leaving it or a term starting or ending changes the ETag."""
    theirs = (select(literal_column(f"'{StampKind.COLLABORATIVE.value}'", String).label("kind"), Collaborative.id.label("owner_id"),
                     Collaborative.updated_at.label("updated_at"), FeedVersion.version, FeedVersion.changed_at)
              .select_from(Collaborative)
              .outerjoin(FeedVersion, and_(FeedVersion.kind == StampKind.COLLABORATIVE,
                                           FeedVersion.owner_id == Collaborative.id))
              .where(Collaborative.id.in_(collab_ids)))
    own = (select(FeedVersion.kind, FeedVersion.owner_id, null(), FeedVersion.version, FeedVersion.changed_at)
           .where(or_(and_(FeedVersion.kind == StampKind.PERSON, FeedVersion.owner_id == person_id),
                      and_(FeedVersion.kind == StampKind.CONFERENCES, FeedVersion.owner_id == NETWORK))))
    return union_all(theirs, own).order_by("kind", "owner_id")


def person_scope(db: Session, person: Person, today: date, base_url: str, network: str) -> FeedScope:
    """M5: a person's collaboratives' meetings (planning days among them) and the conferences featuring
    them; the meetings they answered carry their answer (M4). Built without a query: the answers are
    loaded only when the feed is rendered."""
    ids = person_collaboratives(person.id, today)
    featuring = select(ConferenceCollaborative.conference_id).where(ConferenceCollaborative.collaborative_id.in_(ids))

    def with_answers(db: Session) -> Adaptation:
        answers: dict[int, list[Rsvp]] = {}
        for r in db.scalars(select(Rsvp).join(Meeting, Meeting.id == Rsvp.meeting_id)
                            .where(Rsvp.person_id == person.id, Meeting.collaborative_id.in_(ids))
                            .order_by(Rsvp.occurrence_start)):
            answers.setdefault(r.meeting_id, []).append(r)

        def rewrite(meeting: Meeting, events: list[ical.EventData]) -> list[ical.EventData]:
            mine = answers.get(meeting.id, [])
            if meeting.is_recurring:
                lines = [f"{r.occurrence_start:%a %-d %b %Y}: {r.answer.label.lower()}"
                         + (f" ({r.note})" if r.note else "") for r in mine]
                said = "Your answers: " + "; ".join(lines)
            else:
                said = f"Your answer: {mine[0].answer.label.lower()}" + (f" ({mine[0].note})" if mine[0].note else "")
            return [replace(e, description=f"{said}\n\n{e.description}".strip()) if e.recurrence_id is None else e
                    for e in events]

        return Adaptation(frozenset(answers), rewrite)

    return FeedScope(key=f"person:{person.id}", name=f"{person.name} — {network} collaboratives",
                     url=f"{base_url.rstrip('/')}/calendars",
                     description="Your collaboratives' meetings and the conferences that feature them.",
                     meetings=[Meeting.collaborative_id.in_(ids)], conferences=[Conference.id.in_(featuring)],
                     stamps=_person_stamps(person.id, ids), adapt=with_answers)


def school_scope(db: Session, school: School, base_url: str, network: str) -> FeedScope:
    """M5/O1–O2: the days a school owes its faculty — release for planning meetings, conference
    attendance —, one event each, as its obligations say (``SCHOOL_DAYS_PROVIDERS``); its ETag is the
    school's stamp, which the obligations bump."""
    return FeedScope(key=f"school:{school.id}", name=f"{school.name} — days owed to its faculty",
                     url=f"{base_url.rstrip('/')}/schools/{school.slug}/obligations",
                     description="What the school owes its Core members and members: release for planning "
                                 "meetings (O1) and conference attendance (O2), with the school's answer.",
                     stamps=stamps_of((StampKind.SCHOOL, school.id)),
                     provided=[provider(db, school) for provider in SCHOOL_DAYS_PROVIDERS])


def public_collaborative(db: Session, slug: str) -> Collaborative:
    """M5: the collaborative whose public feed is asked for: public while it is active, whoever asks
    (a feed reader carries no session), so it is looked up as nobody signed in (K1)."""
    return network.get_collaborative(db, None, slug)


def meeting_file(db: Session, actor: Actor | None, meeting_id: int, base_url: str) -> tuple[Meeting, bytes]:
    """M5: one meeting's .ics, for "add to my calendar". M2: a draft is in no calendar, so it has
    none (even for its editors: the file would announce it as confirmed)."""
    meeting = services.get_meeting(db, actor, meeting_id)
    if meeting.is_draft:
        raise NotFound()
    base = base_url.rstrip("/")
    data = ical.FeedData(name=meeting.title, uid=f"meeting-{meeting.id}-file@{ical.host_of(base)}",
                         url=f"{base}/meetings/{meeting.id}",
                         events=ical.meeting_events(meeting, ical.host_of(base), f"{base}/meetings/{meeting.id}"))
    return meeting, ical.build_calendar(data)
