"""Conferences and institutes (S1): Center staff and the DPL add and change them; everyone sees them,
with the planning meetings held beside them (S2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Iterable

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..audit.services import record, snapshot
from ..permissions import Actor, can, require
from ..clock import now_utc
from ..errors import DomainError, NotFound
from ..money import parse_amount, parse_currency
from ..network.models import Collaborative
from ..slugs import check_slug, slugify
from . import feed_cache, feed_versions, planning, services, times
from .checks import check_text
from .models import Conference, ConferenceKind, Meeting

CONFERENCE_FIELDS = ["slug", "name", "kind", "starts_on", "ends_on", "city", "country", "time_zone", "hotel",
                     "hotel_address", "description", "hotel_night_cap", "hotel_cap_currency"]
#: Changes to these bump the conference's SEQUENCE (what a calendar shows).
CONFERENCE_CALENDAR_FIELDS = {"name", "starts_on", "ends_on", "city", "country", "hotel", "hotel_address"}

#: What higher domains do when a conference is added or changed (its dates, the collaboratives it
#: features), in the same transaction: each is called as ``listener(db, conference)`` after its
#: meetings are judged planning meetings again. ``create_app`` installs them (O1/O2).
CONFERENCE_CHANGE_LISTENERS: list[Callable[[Session, Conference], None]] = []


# --- reading (public) ------------------------------------------------------------------------------

def conferences_query(since: date | None = None) -> Select:
    """S1: the conferences and institutes (those ending on or after ``since``), by first day: a list
    pages it in SQL."""
    stmt = select(Conference).order_by(Conference.starts_on, Conference.id)
    return stmt if since is None else stmt.where(Conference.ends_on >= since)


def all_conferences(db: Session, *, since: date | None = None) -> list[Conference]:
    """S1: the conferences and institutes (those ending on or after ``since``), by first day."""
    return list(db.scalars(conferences_query(since)))


def conference_by_slug(db: Session, slug: str) -> Conference:
    """S1: a conference (they are public)."""
    conf = db.scalar(select(Conference).where(Conference.slug == slug))
    if conf is None:
        raise NotFound()
    return conf


@dataclass
class ConferenceMeetings:
    """S2: the meetings held beside a conference that the viewer may see (M2): its planning meetings,
    with headcounts for Center staff, and the other meetings linked to it."""

    planning: list[Meeting]
    others: list[Meeting]
    headcounts: dict[int, int] = field(default_factory=dict)


def conference_meetings(db: Session, actor: Actor | None, conf: Conference) -> ConferenceMeetings:
    """S2: the meetings beside ``conf`` that ``actor`` may see; headcounts only for those who cater."""
    linked = list(db.scalars(services.meetings_query(actor).where(Meeting.conference_id == conf.id)).unique())
    out = ConferenceMeetings([m for m in linked if m.is_planning], [m for m in linked if not m.is_planning])
    if can(actor, "conference.manage"):
        out.headcounts = planning.headcounts(db, actor, out.planning)
    return out


# --- changing ---------------------------------------------------------------------------------------

def _featured(db: Session, slugs: Iterable[str]) -> list[Collaborative]:
    slugs = sorted(set(slugs))
    if not slugs:
        return []
    found = list(db.scalars(select(Collaborative).where(Collaborative.slug.in_(slugs))))
    missing = set(slugs) - {c.slug for c in found}
    if missing:
        raise DomainError("S1", f"no collaborative with the slug {sorted(missing)[0]!r}", field="featured")
    return found


def _values(conf: Conference, values: dict[str, Any]) -> None:
    for key, label in (("name", "name"), ("city", "city")):
        if key in values:
            setattr(conf, key, check_text(values[key], key, label, "S1"))
    for key in ("country", "hotel", "hotel_address", "description"):
        if key in values and values[key] is not None:
            setattr(conf, key, values[key].strip())
    if "kind" in values and values["kind"] is not None:
        if values["kind"] not in set(ConferenceKind):
            raise DomainError("S1", "kind is conference or institute", field="kind")
        conf.kind = values["kind"]
    if "time_zone" in values and values["time_zone"] is not None:
        if not values["time_zone"].strip():
            raise DomainError("S1", "a conference needs the IANA time zone of its city", field="time_zone")
        times.zone(values["time_zone"])
        conf.time_zone = values["time_zone"]
    for key in ("starts_on", "ends_on"):
        if values.get(key) is not None:
            setattr(conf, key, values[key])
    if conf.starts_on is None or conf.ends_on is None:
        raise DomainError("S1", "a conference needs its first and last day", field="starts_on")
    if conf.ends_on < conf.starts_on:
        raise DomainError("S1", "the last day cannot be before the first", field="ends_on")
    _hotel_cap(conf, values)


def _hotel_cap(conf: Conference, values: dict[str, Any]) -> None:
    """S3: the nightly cap is an exact amount above zero with its currency, both or neither (an empty
    value clears it; a value left out leaves it as it is)."""
    if "hotel_night_cap" in values:
        raw = values["hotel_night_cap"]
        conf.hotel_night_cap = None if raw in (None, "") else parse_amount(raw, field="hotel_night_cap")
        if conf.hotel_night_cap is not None and conf.hotel_night_cap <= 0:
            raise DomainError("S3", "the nightly cap must be more than 0", field="hotel_night_cap")
    if "hotel_cap_currency" in values:
        raw = values["hotel_cap_currency"]
        conf.hotel_cap_currency = None if raw in (None, "") else parse_currency(raw, field="hotel_cap_currency")
    if conf.hotel_night_cap is not None and conf.hotel_cap_currency is None:
        raise DomainError("S3", "give the nightly cap's currency too", field="hotel_cap_currency")
    if conf.hotel_night_cap is None and conf.hotel_cap_currency is not None:
        raise DomainError("S3", "give the nightly cap too (or no currency)", field="hotel_night_cap")


def _snapshot(conf: Conference) -> dict:
    data = snapshot(conf, CONFERENCE_FIELDS)
    data["featured"] = [c.slug for c in conf.featured]
    return data


def create_conference(db: Session, actor: Actor, *, featured: Iterable[str] = (), slug: str | None = None,
                      **values: Any) -> Conference:
    """S1: Center staff (and the DPL) add a conference or institute."""
    require(actor, "conference.manage")
    if not values.get("time_zone"):
        raise DomainError("S1", "a conference needs the IANA time zone of its city", field="time_zone")
    conf = Conference(time_zone=values["time_zone"])
    _values(conf, values)
    conf.slug = check_slug(slug or slugify(f"{conf.name} {conf.starts_on.year}"), rule="S1")
    if db.scalar(select(Conference.id).where(Conference.slug == conf.slug)) is not None:
        raise DomainError("S1", f"another conference already uses the slug {conf.slug!r}", field="slug")
    conf.featured = _featured(db, featured)
    conf.updated_at = now_utc()
    db.add(conf)
    record(db, actor, "conference.create", conf, f"Added {conf.kind} {conf.name}", after=_snapshot(conf))
    planning.refresh_planning(db, conf)
    feed_versions.bump_conferences(db)  # M5: the conferences feed and the featured people's feeds list it
    for listener in CONFERENCE_CHANGE_LISTENERS:
        listener(db, conf)
    return conf


def update_conference(db: Session, actor: Actor, conf: Conference, *, featured: Iterable[str] | None = None,
                      **values: Any) -> Conference:
    """S1: change a conference; M5: a change its calendar shows bumps its SEQUENCE; S2: its meetings
    are judged planning meetings again."""
    require(actor, "conference.manage")
    before = _snapshot(conf)
    _values(conf, {k: v for k, v in values.items() if v is not None})
    if featured is not None:
        conf.featured = _featured(db, featured)
    after = _snapshot(conf)
    if after != before:
        if any(before[k] != after[k] for k in CONFERENCE_CALENDAR_FIELDS):
            conf.sequence += 1
        conf.updated_at = now_utc()
        record(db, actor, "conference.update", conf, f"Changed {conf.name}", before=before, after=after)
        planning.refresh_planning(db, conf)
        feed_cache.forget_conference(db, conf.id)  # its meetings' events name it
        for listener in CONFERENCE_CHANGE_LISTENERS:
            listener(db, conf)
    return conf
