"""Reading and acknowledging flags (F1–F8): the flags a person may see, those they must act on (the
"waiting for you" list, each with the page where it is fixed), one flag, and its acknowledgement.

The policies ``flag.view`` and ``flag.acknowledge`` in ``nesa_collab/permissions.py`` are the rule;
``visible_flags`` and ``acting_on`` are the same rule in SQL, so lists filter and page in the
database (a test holds them together)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from ..audit.services import record
from ..clock import now_utc
from ..db import get_or_not_found
from ..errors import DomainError
from ..network.models import Collaborative, School
from ..permissions import CORE_FLAG_RULES, Actor, Role, can, require, require_visible
from .models import Audience, Flag, FlagRule

#: The longest acknowledgement note.
NOTE_MAX = 2000


def acting_on(actor: Actor) -> ColumnElement[bool]:
    """SQL: the flags ``actor`` must act on — the DPL every flag but the Cores' agendas (F5), a
    Core's members their Core's, Center staff theirs, a school's coordinators their school's."""
    if actor.is_system:
        return true()
    conds: list[ColumnElement[bool]] = []
    if actor.is_dpl:
        conds.append(Flag.rule != FlagRule.F5)
    if actor.core_of:
        conds.append(and_(Flag.audience == Audience.CORE, Flag.audience_id.in_(sorted(actor.core_of))))
    if actor.has(Role.CENTER_STAFF):
        conds.append(Flag.audience == Audience.CENTER_STAFF)
    if actor.has(Role.SCHOOL_COORDINATOR) and actor.school_id is not None:
        conds.append(and_(Flag.audience == Audience.COORDINATOR, Flag.audience_id == actor.school_id))
    return or_(*conds) if conds else false()


def visible_flags(actor: Actor) -> ColumnElement[bool]:
    """SQL: the flags ``actor`` may see (``flag.view``): those they must act on, and a Core's members
    also the flags about their Core (not its claims or what schools owe); the DPL every flag."""
    if actor.is_dpl:
        return true()
    conds = [acting_on(actor)]
    if actor.core_of:
        conds.append(and_(Flag.collaborative_id.in_(sorted(actor.core_of)), Flag.rule.in_(sorted(CORE_FLAG_RULES))))
    return or_(*conds)


def by_urgency(stmt: Select) -> Select:
    """Soonest dated fact first, then undated ones, oldest raised first."""
    return stmt.order_by(Flag.about_on.is_(None), Flag.about_on, Flag.raised_at, Flag.id)


def flags_query(actor: Actor, *, rule: str | None = None, status: str = "open") -> Select:
    """F1–F8: the flags ``actor`` may see, open ones (``status="open"``) most urgent first, or cleared
    ones (``"cleared"``) latest first; of one rule if given (an unknown one is ignored)."""
    require(actor, "flag.view")
    stmt = select(Flag).where(visible_flags(actor))
    if rule in FlagRule.__members__:
        stmt = stmt.where(Flag.rule == FlagRule(rule))
    if status == "cleared":
        return stmt.where(Flag.cleared_at.is_not(None)).order_by(Flag.cleared_at.desc(), Flag.id.desc())
    return by_urgency(stmt.where(Flag.cleared_at.is_(None)))


def counts_by_rule(db: Session, actor: Actor) -> dict[str, int]:
    """F1–F8: how many open flags ``actor`` may see, by rule (one query)."""
    require(actor, "flag.view")
    rows = db.execute(select(Flag.rule, func.count()).where(visible_flags(actor), Flag.cleared_at.is_(None))
                      .group_by(Flag.rule)).all()
    return {str(rule): n for rule, n in rows}


def get_flag(db: Session, actor: Actor | None, flag_id: int) -> Flag:
    """One flag, for those who may see it (NotFound for others: a flag names people and schools)."""
    require(actor, "flag.view")
    flag = get_or_not_found(db, Flag, flag_id)
    require_visible(actor, "flag.view", flag)
    return flag


def acknowledge(db: Session, actor: Actor, flag: Flag, note: str) -> Flag:
    """F1–F8: someone who must act on an open flag acknowledges it with a note (what is being done,
    or why it can wait). The flag stays open until its condition ends; acknowledging again replaces
    the note. Audited (A1)."""
    require_visible(actor, "flag.view", flag)
    require(actor, "flag.acknowledge", flag)
    note = (note or "").strip()
    if not flag.is_open:
        raise DomainError(flag.rule, "this flag has cleared; there is nothing to acknowledge", field="note")
    if not note:
        raise DomainError(flag.rule, "say what is being done, or why it can wait", field="note")
    if len(note) > NOTE_MAX:
        raise DomainError(flag.rule, f"keep the note under {NOTE_MAX:,} characters", field="note")
    before = _ack_picture(flag)
    flag.acknowledged_at, flag.acknowledged_by_id, flag.acknowledged_note = now_utc(), actor.id, note
    record(db, actor, "flag.acknowledge", flag, f"Acknowledged {flag.rule}: {flag.message}", before=before,
           after=_ack_picture(flag), collaborative_id=flag.collaborative_id)
    return flag


def _ack_picture(flag: Flag) -> dict[str, Any]:
    return {"acknowledged_at": flag.acknowledged_at.isoformat() if flag.acknowledged_at else None,
            "acknowledged_by_id": flag.acknowledged_by_id, "note": flag.acknowledged_note}


# --- where each flag is fixed -------------------------------------------------------------------------------

#: The paths of the routes flags link to, for places without a router (the mail digest); a test holds
#: them to the app's routes.
PATHS = {"plan": "/plans/{plan_id}", "new_plan": "/collaboratives/{slug}/plans/new",
         "agenda": "/meetings/{meeting_id}/agenda", "claim": "/claims/{claim_id}",
         "school_obligations": "/schools/{school}/obligations", "seats": "/collaboratives/{slug}/seats",
         "core": "/collaboratives/{slug}/core"}


@dataclass(frozen=True)
class Link:
    """A page, by route name and path parameters (``req.url_for(link.route, **link.params)``; in a
    template ``url_for(link.route, **link.params)``), and what it is."""

    route: str
    params: dict[str, Any] = field(default_factory=dict)
    label: str = ""

    @property
    def path(self) -> str:
        return PATHS[self.route].format(**self.params)


@dataclass(frozen=True)
class FlagItem:
    """A flag and the page where it is fixed."""

    flag: Flag
    link: Link | None


def links_for(db: Session, flags: list[Flag]) -> list[FlagItem]:
    """Each flag with the page where it is fixed: the Core's page (F1–F3, F8; its open seats for a
    Core falling short within the year), the plan (F4), the meeting's agenda (F5), the claim (F6), the
    school's obligations (F7). Two queries at most, whatever the number of flags."""
    collab_ids = {f.collaborative_id for f in flags if f.collaborative_id is not None}
    school_ids = {f.audience_id for f in flags if f.audience == Audience.COORDINATOR}
    slugs = dict(db.execute(select(Collaborative.id, Collaborative.slug)
                            .where(Collaborative.id.in_(sorted(collab_ids)))).all()) if collab_ids else {}
    schools = dict(db.execute(select(School.id, School.slug)
                              .where(School.id.in_(sorted(school_ids)))).all()) if school_ids else {}
    return [FlagItem(f, _link(f, slugs, schools)) for f in flags]


def _link(f: Flag, slugs: dict[int, str], schools: dict[int, str]) -> Link | None:
    slug = slugs.get(f.collaborative_id)
    rule = FlagRule(f.rule)
    if rule == FlagRule.F4:
        if f.subject_type == "plan":
            return Link("plan", {"plan_id": f.subject_id}, "the plan")
        return Link("new_plan", {"slug": slug}, "start a plan") if slug else None
    if rule == FlagRule.F5:
        return Link("agenda", {"meeting_id": f.subject_id}, "the agenda")
    if rule == FlagRule.F6:
        return Link("claim", {"claim_id": f.subject_id}, "the claim")
    if rule == FlagRule.F7:
        school = schools.get(f.audience_id)
        return Link("school_obligations", {"school": school}, "the school's obligations") if school else None
    if slug is None:
        return None
    if f.condition == "outlook":
        return Link("seats", {"slug": slug}, "the open seats")
    return Link("core", {"slug": slug}, "the Core")


def open_flags_for(db: Session, actor: Actor | None, limit: int = 10,
                   rules: Collection[str] | None = None) -> list[FlagItem]:
    """F1–F8: the open flags ``actor`` must act on (of ``rules``, if given), most urgent first (the
    soonest dated fact, then the oldest), at most ``limit``, each with the page where it is fixed.
    Three queries at most. Nothing for those who act on no flag (or nobody signed in)."""
    if not can(actor, "flag.view"):
        return []
    stmt = select(Flag).where(Flag.cleared_at.is_(None), acting_on(actor))
    if rules is not None:
        stmt = stmt.where(Flag.rule.in_(sorted(rules)))
    return links_for(db, list(db.scalars(by_urgency(stmt).limit(limit))))


@dataclass(frozen=True)
class RuleGroup:
    """Many open flags of one rule, waiting for one person: how many, and since when the oldest."""

    rule: FlagRule
    count: int
    since: date


def waiting_for(db: Session, actor: Actor | None, per_rule: int = 3) -> list[FlagItem | RuleGroup]:
    """F1–F8, "waiting for you": the open flags ``actor`` must act on — each one, with the page where
    it is fixed, for a rule with at most ``per_rule`` of them; for a rule with more, how many (the
    flags page lists them). Four queries at most, however many flags there are."""
    if not can(actor, "flag.view"):
        return []
    rows = db.execute(select(Flag.rule, func.count(), func.min(Flag.raised_on))
                      .where(Flag.cleared_at.is_(None), acting_on(actor)).group_by(Flag.rule)).all()
    few = [str(rule) for rule, n, _ in rows if n <= per_rule]
    items: list[FlagItem | RuleGroup] = open_flags_for(db, actor, limit=per_rule * len(few), rules=few) if few else []
    return items + [RuleGroup(FlagRule(rule), n, since) for rule, n, since in sorted(rows) if n > per_rule]
