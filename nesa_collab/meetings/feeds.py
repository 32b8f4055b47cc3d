"""M5: what each calendar feed holds, its cheap fingerprint (ETag, Last-Modified) and its bytes.

A feed is described by a ``FeedScope``. ``fingerprint()`` answers from two aggregate queries
("how many events, changed when"), so a conditional request is answered without loading or
rendering anything; ``render()`` loads the rows once and hands them to the pure builder in ``ical``.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..auth.models import Person
from ..permissions import Actor
from ..db import Database
from ..errors import NotFound
from ..network import services as network
from ..network.models import Collaborative, Membership, School
from . import feed_cache, ical, services
from .feed_cache import FeedEntry, entry_key
from .models import CALENDAR_STATUSES, Conference, ConferenceCollaborative, Meeting, Rsvp

#: Bump when the feed layout changes, so clients holding an old ETag get the new content.
FEED_VERSION = "2"


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
    #: Other inputs whose change changes the feed (a collaborative's name, who serves on a Core, ...).
    extra: tuple = ()
    extra_stamp: datetime | None = None
    #: Rewrites the events of the meetings in ``adapt_only`` (a person's feed shows their answers); the
    #: other meetings come from the stored entries.
    adapt: Callable[[Meeting, list[ical.EventData]], list[ical.EventData]] | None = None
    adapt_only: frozenset[int] = frozenset()
    #: Events a higher domain provides (the school feed's owed days).
    provided: list["ProvidedEvents"] = field(default_factory=list)


@dataclass(frozen=True)
class ProvidedEvents:
    """Events a domain above meetings adds to a feed (the days a school owes, from the obligations):
    ``fingerprint()`` answers cheaply what they depend on (a count, the newest change), for the ETag;
    ``events(base_url)`` builds them."""

    fingerprint: Callable[[], tuple]
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
    """Two aggregate queries: how many events there are and when the newest change was."""
    parts: list[Any] = [FEED_VERSION, scope.key, scope.name, scope.extra, scope.extra_stamp]
    stamps = [scope.extra_stamp] if scope.extra_stamp else []
    if scope.meetings is not None:
        # The events also show their collaborative's and conference's names: their changes count too.
        count, newest, collab_newest, conf_newest = db.execute(
            select(func.count(Meeting.id), func.max(Meeting.updated_at), func.max(Collaborative.updated_at),
                   func.max(Conference.updated_at))
            .join(Collaborative, Collaborative.id == Meeting.collaborative_id)
            .outerjoin(Conference, Conference.id == Meeting.conference_id)
            .where(*_meeting_conditions(scope))).one()
        parts += [count, newest, collab_newest, conf_newest]
        stamps += [newest, collab_newest, conf_newest]
    if scope.conferences is not None:
        count, newest = db.execute(select(func.count(Conference.id), func.max(Conference.updated_at))
                                   .where(*scope.conferences)).one()
        parts += [count, newest]
        stamps.append(newest)
    for provided in scope.provided:
        values = provided.fingerprint()
        parts += list(values)
        stamps += [v for v in values if isinstance(v, datetime)]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    stamps = [s for s in stamps if s is not None]
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
    scope adapts (``adapt_only``) are built for this feed each time."""
    adapted = scope.adapt_only if scope.adapt is not None else frozenset()
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
            if m.id in adapted:
                bodies[m.id] = b"".join(ical.event_bytes(e) for e in scope.adapt(m, evs))
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
    """M5: a collaborative's meetings (public while it is active)."""
    return FeedScope(key=f"collaborative:{collab.id}", name=f"{collab.name} — {network} meetings",
                     url=f"{base_url.rstrip('/')}/collaboratives/{collab.slug}",
                     description=f"Meetings of the {collab.name}, each in its own time zone.",
                     meetings=[Meeting.collaborative_id == collab.id], extra_stamp=collab.updated_at)


def conferences_scope(base_url: str, network: str) -> FeedScope:
    """M5: the network's conferences and institutes."""
    return FeedScope(key="conferences", name=f"{network} conferences and institutes",
                     url=f"{base_url.rstrip('/')}/conferences", conferences=[])


def person_scope(db: Session, person: Person, today: date, base_url: str, network: str) -> FeedScope:
    """M5: a person's collaboratives' meetings (planning days among them) and the conferences featuring
    them; the meetings they answered carry their answer (M4)."""
    from ..cores.services import collaboratives_served

    ids = set(db.scalars(select(Membership.collaborative_id).where(Membership.person_id == person.id,
                                                                   Membership.left_on.is_(None))))
    ids |= collaboratives_served(db, person.id, today)
    ids = sorted(ids)
    featuring = select(ConferenceCollaborative.conference_id).where(ConferenceCollaborative.collaborative_id.in_(ids))
    answers: dict[int, list[Rsvp]] = {}
    for r in db.scalars(select(Rsvp).join(Meeting, Meeting.id == Rsvp.meeting_id)
                        .where(Rsvp.person_id == person.id, Meeting.collaborative_id.in_(ids))
                        .order_by(Rsvp.occurrence_start)):
        answers.setdefault(r.meeting_id, []).append(r)

    def with_answers(meeting: Meeting, events: list[ical.EventData]) -> list[ical.EventData]:
        mine = answers.get(meeting.id, [])
        if meeting.is_recurring:
            lines = [f"{r.occurrence_start:%a %-d %b %Y}: {r.answer.label.lower()}" + (f" ({r.note})" if r.note else "")
                     for r in mine]
            said = "Your answers: " + "; ".join(lines)
        else:
            said = f"Your answer: {mine[0].answer.label.lower()}" + (f" ({mine[0].note})" if mine[0].note else "")
        return [replace(e, description=f"{said}\n\n{e.description}".strip()) if e.recurrence_id is None else e
                for e in events]

    stamps = [r.answered_at for rows in answers.values() for r in rows]
    return FeedScope(key=f"person:{person.id}", name=f"{person.name} — {network} collaboratives",
                     url=f"{base_url.rstrip('/')}/calendars",
                     extra=(tuple(ids), sum(len(v) for v in answers.values())),
                     extra_stamp=max(stamps) if stamps else None,
                     description="Your collaboratives' meetings and the conferences that feature them.",
                     meetings=[Meeting.collaborative_id.in_(ids)], conferences=[Conference.id.in_(featuring)],
                     adapt=with_answers, adapt_only=frozenset(answers))


def school_scope(db: Session, school: School, base_url: str, network: str) -> FeedScope:
    """M5/O1–O2: the days a school owes its faculty — release for planning meetings, conference
    attendance —, one event each, as its obligations say (``SCHOOL_DAYS_PROVIDERS``)."""
    return FeedScope(key=f"school:{school.id}", name=f"{school.name} — days owed to its faculty",
                     url=f"{base_url.rstrip('/')}/schools/{school.slug}/obligations",
                     description="What the school owes its Core members and members: release for planning "
                                 "meetings (O1) and conference attendance (O2), with the school's answer.",
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
