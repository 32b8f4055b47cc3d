"""F1–F8 in the daily digest: each person is told of the open flags they must act on (the same ones as
their "waiting for you" list: ``services.acting_on``), a few per rule, most urgent first, each with the
page where it is fixed. A handful of queries for the whole network, whatever its size."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from ..auth.models import Person, PersonRole, Role
from ..cores.models import Appointment
from ..cores.services import term_overlaps
from ..notifications.digest import DigestItem
from .models import Audience, Flag, FlagRule
from .services import by_urgency, links_for

#: How many flags of one rule a digest names before pointing to the flags page.
PER_RULE = 5
#: The roles that act on flags; a Core's members act on their Core's.
ROLES = (Role.DPL, Role.CENTER_STAFF, Role.SCHOOL_COORDINATOR)


def flags_to_act_on(db: Session, today: date, person_ids: Collection[int] | None) -> dict[int, list[DigestItem]]:
    """F1–F8: for each active person of ``person_ids`` (None: everyone) who must act on open flags —
    the DPL every flag but the Cores' agendas (F5), a Core's members their Core's (on ``today``),
    Center staff theirs, a school's coordinators their school's — those flags, by rule."""
    wanted = sorted(set(person_ids)) if person_ids is not None else None
    roles = select(Person.id, PersonRole.role, Person.school_id).join(PersonRole, PersonRole.person_id == Person.id) \
        .where(PersonRole.role.in_(ROLES), Person.is_active.is_(True))
    serving = select(Appointment.person_id, Appointment.collaborative_id).join(Person, Person.id == Appointment.person_id) \
        .where(term_overlaps(today, today), Person.is_active.is_(True))
    if wanted is not None:
        roles, serving = roles.where(Person.id.in_(wanted)), serving.where(Appointment.person_id.in_(wanted))
    people: dict[int, _Audiences] = {}
    for person_id, role, school_id in db.execute(roles):
        a = people.setdefault(person_id, _Audiences())
        a.dpl |= role == Role.DPL
        a.staff |= role == Role.CENTER_STAFF
        if role == Role.SCHOOL_COORDINATOR and school_id is not None:
            a.school = school_id
    for person_id, collab_id in db.execute(serving):
        people.setdefault(person_id, _Audiences()).cores.add(collab_id)
    if not people:
        return {}
    flags = list(db.scalars(by_urgency(select(Flag).where(Flag.cleared_at.is_(None),
                                                         _any_acts_on(people.values())))))
    paths = {item.flag.id: (item.link.path if item.link else "/flags") for item in links_for(db, flags)}
    out: dict[int, list[DigestItem]] = {}
    for person_id, a in people.items():
        items = _items([f for f in flags if a.acts_on(f)], paths)
        if items:
            out[person_id] = items
    return out


class _Audiences:
    """Which flags one person acts on (``services.acting_on``, for many people at once)."""

    def __init__(self) -> None:
        self.dpl = self.staff = False
        self.school: int | None = None
        self.cores: set[int] = set()

    def acts_on(self, f: Flag) -> bool:
        audience = Audience(f.audience)
        return ((self.dpl and f.rule != FlagRule.F5)
                or (audience == Audience.CORE and f.audience_id in self.cores)
                or (audience == Audience.CENTER_STAFF and self.staff)
                or (audience == Audience.COORDINATOR and f.audience_id == self.school))


def _any_acts_on(people: Collection[_Audiences]) -> ColumnElement[bool]:
    """SQL: the flags at least one of ``people`` acts on (so one person's digest reads only theirs)."""
    conds: list[ColumnElement[bool]] = []
    if any(a.dpl for a in people):
        conds.append(Flag.rule != FlagRule.F5)
    if cores := sorted({c for a in people for c in a.cores}):
        conds.append(and_(Flag.audience == Audience.CORE, Flag.audience_id.in_(cores)))
    if any(a.staff for a in people):
        conds.append(Flag.audience == Audience.CENTER_STAFF)
    if schools := sorted({a.school for a in people if a.school is not None}):
        conds.append(and_(Flag.audience == Audience.COORDINATOR, Flag.audience_id.in_(schools)))
    return or_(*conds) if conds else false()


def _items(flags: list[Flag], paths: dict[int, str]) -> list[DigestItem]:
    """A few flags of each rule (the most urgent), then how many more, linking to that rule's flags."""
    out: list[DigestItem] = []
    by_rule: dict[str, list[Flag]] = {}
    for f in flags:
        by_rule.setdefault(str(f.rule), []).append(f)
    for rule, found in by_rule.items():
        section = f"Flags: {FlagRule(rule).title} ({rule})"
        for f in found[:PER_RULE]:
            detail = (f"acknowledged: {f.acknowledged_note}" if f.is_acknowledged
                      else f"raised {f.raised_on:%-d %b %Y}")
            out.append(DigestItem(section=section, title=f.sentence, path=paths[f.id], since=f.raised_on,
                                  detail=detail))
        if len(found) > PER_RULE:
            rest = found[PER_RULE:]
            out.append(DigestItem(section=section, title=f"and {len(rest)} more {rule} flags", path=f"/flags?rule={rule}",
                                  since=min(f.raised_on for f in rest)))
    return out
