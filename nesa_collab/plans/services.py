"""Plans (P1–P5) and the updates and proposals of M4. Services flush, never commit; each refusal
is a DomainError naming its rule, raised before anything is written."""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer, joinedload

from ..audit.services import record
from ..auth.models import Person, Role
from ..auth.permissions import Actor, require
from ..clock import now_utc
from ..db import lock_row
from ..dates import SchoolYear, school_year_of
from ..errors import DomainError, NotFound
from ..network.models import Collaborative, CollaborativeStatus, NormsRevision
from ..settings import Settings
from .models import (STRUCTURED_KINDS, OfferingKind, Plan, PlanEvidence, PlanGoal, PlanMilestone,
                     PlanOffering, PlanReview, PlanRevision, PlanStatus, PlanTemplate, Post, PostKind,
                     ProposalStatus, ReviewAction, SectionKind, TemplateSection)

KEY_RE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")


def fmt(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months; the 31st becomes the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- P5: when a plan is out of date -----------------------------------------------------------------

@dataclass(frozen=True)
class Reason:
    """One P5 condition that holds, with a reason people can act on."""

    rule: str
    condition: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


#: How close to its end a plan must have a successor drafted (P5).
ENDING_SOON_MONTHS = 6


def out_of_date(plan: Plan | None, collaborative: Collaborative, today: date, settings: Settings) -> list[Reason]:
    """P5: every reason ``plan`` (a collaborative's current plan, or None) is out of date on ``today``.

    - ``no_plan``: an active collaborative has no plan.
    - ``stale``: no revision in the last ``settings.plan_stale_months`` months (12 by default): a plan
      last revised on 15 March 2026 is out of date from 15 March 2027 on.
    - ``ending``: the plan ends within 6 months — from the day 6 months before its last day — and
      no next plan (one starting after it) is drafted.
    - ``not_covering``: the current school year is not among the plan's years (from the first day
      of a school year the plan does not cover).
    - ``overdue``: a milestone is past its due date (the day after it) and not done.

    Retired collaboratives owe no plan. The function reads only loaded attributes (milestones and
    ``has_next_plan`` load with the plan), so the scheduler and dashboards can call it in a loop.
    """
    if collaborative.status == CollaborativeStatus.RETIRED:
        return []
    if plan is None:
        if collaborative.is_active:
            return [Reason("P5", "no_plan", f"{collaborative.name} is active and has no plan")]
        return []
    reasons: list[Reason] = []
    months = settings.plan_stale_months
    last = plan.last_revised_at.astimezone(settings.tz).date()
    if today >= add_months(last, months):
        reasons.append(Reason("P5", "stale", f"no revision in {months} months (last revised {fmt(last)})"))
    if not plan.has_next_plan and add_months(plan.ends_on, -ENDING_SOON_MONTHS) <= today <= plan.ends_on:
        reasons.append(Reason("P5", "ending", f"the plan ends on {fmt(plan.ends_on)} and no next plan "
                                              "is drafted"))
    year = school_year_of(today, settings.school_year_start_month)
    if not (plan.starts_on <= today <= plan.ends_on):
        reasons.append(Reason("P5", "not_covering", f"the current school year {year.label} is not covered "
                                                    f"(the plan covers {plan.years_label})"))
    overdue = [m for m in plan.milestones if m.is_overdue(today)]
    if overdue:
        names = "; ".join(f"{m.title} (due {fmt(m.due_on)})" for m in overdue[:3])
        more = f" and {len(overdue) - 3} more" if len(overdue) > 3 else ""
        noun = "milestone is" if len(overdue) == 1 else "milestones are"
        reasons.append(Reason("P5", "overdue", f"{len(overdue)} {noun} overdue and not done: {names}{more}"))
    return reasons


# --- the template (P2) ------------------------------------------------------------------------------

def current_template(db: Session) -> PlanTemplate | None:
    return db.scalar(select(PlanTemplate).order_by(PlanTemplate.version.desc()).limit(1))


def template_versions(db: Session) -> list[PlanTemplate]:
    return list(db.scalars(select(PlanTemplate).order_by(PlanTemplate.version.desc())))


def _template_picture(t: PlanTemplate | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {"version": t.version, "sections": [
        {"key": s.key, "title": s.title, "kind": s.kind, "guidance": s.guidance} for s in t.sections]}


#: P2: what every plan covers, by the kind of section that holds it. The evidence and research a
#: plan draws on is written in a free-text section (the template names it).
REQUIRED_SECTIONS = {
    SectionKind.GOALS: "goals tied to student learning (goals)",
    SectionKind.FREE_TEXT: "the evidence and research it draws on (free text)",
    SectionKind.OFFERINGS: "the learning offered each year (yearly offerings)",
    SectionKind.MILESTONES: "a timeline of milestones (milestone timeline)",
    SectionKind.EVIDENCE: "how impact will be evidenced (evidence of impact)",
    SectionKind.NORMS: "the norms and agreements of the group (norms)",
}


def save_template(db: Session, actor: Actor | None, sections: list[dict[str, Any]], summary: str = "",
                  *, at: datetime | None = None) -> PlanTemplate:
    """P2: the DPL saves a new version of the template; plans keep the version they started from.

    The template keeps a section of each kind in ``REQUIRED_SECTIONS`` (the sections P2 names), at
    most one of each structured kind."""
    if actor is not None:
        require(actor, "template.manage")
    if not sections:
        raise DomainError("P2", "the template needs at least one section", field="sections")
    seen_keys: set[str] = set()
    seen_kinds: set[str] = set()
    rows = []
    for i, s in enumerate(sections):
        title = (s.get("title") or "").strip()
        if not title:
            raise DomainError("P2", "a section needs a title", field=f"sections.{i}.title")
        key = (s.get("key") or "").strip() or re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:60]
        if not KEY_RE.match(key):
            raise DomainError("P2", "a key is lowercase letters, digits and underscores", field=f"sections.{i}.key")
        if key in seen_keys:
            raise DomainError("P2", f"two sections use the key {key!r}", field=f"sections.{i}.key")
        kind = s.get("kind")
        if kind not in set(SectionKind):
            raise DomainError("P2", "choose what the section holds", field=f"sections.{i}.kind")
        if kind in STRUCTURED_KINDS and kind in seen_kinds:
            raise DomainError("P2", f"the template already has a {SectionKind(kind).label.lower()} section",
                              field=f"sections.{i}.kind")
        seen_keys.add(key)
        seen_kinds.add(kind)
        rows.append(TemplateSection(position=i + 1, key=key, title=title, kind=kind,
                                    guidance=(s.get("guidance") or "").strip()))
    missing = [label for kind, label in REQUIRED_SECTIONS.items() if kind not in seen_kinds]
    if missing:
        raise DomainError("P2", "the template needs a section for each of: " + "; ".join(missing),
                          field="sections")
    previous = current_template(db)
    before = _template_picture(previous)
    template = PlanTemplate(version=(previous.version + 1) if previous else 1, summary=(summary or "").strip()[:300],
                            author_id=actor.id if actor else None, sections=rows)
    if at is not None:
        template.created_at = at
    after = {"version": template.version, "sections": [
        {"key": r.key, "title": r.title, "kind": r.kind, "guidance": r.guidance} for r in rows]}
    if before is not None and before["sections"] == after["sections"]:
        raise DomainError("P2", "nothing changed", field="sections")
    db.add(template)
    record(db, actor, "plan_template.update", template, f"Saved version {template.version} of the plan template",
           before=before, after=after)
    return template


# --- reading plans (P1) ---------------------------------------------------------------------------

def plans_of(db: Session, collab: Collaborative) -> list[Plan]:
    return list(db.scalars(select(Plan).where(Plan.collaborative_id == collab.id).order_by(Plan.first_year)))


def pick_current(plans: Iterable[Plan], year: SchoolYear) -> Plan | None:
    """P1: the plan covering ``year``; else the latest one already begun; else the earliest to come."""
    ordered = sorted(plans, key=lambda p: p.first_year)
    for p in ordered:
        if p.first_year <= year.start_year <= p.last_year:
            return p
    begun = [p for p in ordered if p.first_year <= year.start_year]
    if begun:
        return begun[-1]
    return ordered[0] if ordered else None


def current_plan(db: Session, collab: Collaborative, today: date, settings: Settings) -> Plan | None:
    return pick_current(plans_of(db, collab), school_year_of(today, settings.school_year_start_month))


@dataclass
class PlanStanding:
    """A collaborative, its current plan (or none) and the P5 reasons it is out of date."""

    collaborative: Collaborative
    plan: Plan | None
    reasons: list[Reason]
    next_plan: Plan | None = None

    @property
    def is_out_of_date(self) -> bool:
        return bool(self.reasons)


def standings(db: Session, collabs: list[Collaborative], today: date, settings: Settings) -> list[PlanStanding]:
    """Every collaborative's current plan and its P5 reasons, in a fixed number of queries."""
    ids = [c.id for c in collabs]
    by_collab: dict[int, list[Plan]] = defaultdict(list)
    if ids:
        for p in db.scalars(select(Plan).where(Plan.collaborative_id.in_(ids))):
            by_collab[p.collaborative_id].append(p)
    year = school_year_of(today, settings.school_year_start_month)
    out = []
    for c in collabs:
        plan = pick_current(by_collab[c.id], year)
        later = [p for p in by_collab[c.id] if plan is not None and p.first_year > plan.last_year]
        out.append(PlanStanding(c, plan, out_of_date(plan, c, today, settings),
                                min(later, key=lambda p: p.first_year) if later else None))
    return out


def all_standings(db: Session, today: date, settings: Settings) -> list[PlanStanding]:
    collabs = list(db.scalars(select(Collaborative).where(Collaborative.status != CollaborativeStatus.RETIRED)
                              .order_by(Collaborative.name)))
    return standings(db, collabs, today, settings)


def revisions(db: Session, plan: Plan, limit: int | None = None) -> list[PlanRevision]:
    """P3: the plan's revisions, newest first, without their content (lists need only who, when, what)."""
    stmt = (select(PlanRevision).where(PlanRevision.plan_id == plan.id).options(defer(PlanRevision.content))
            .order_by(PlanRevision.number.desc()))
    if limit:
        stmt = stmt.limit(limit)
    return list(db.scalars(stmt))


def latest_number(db: Session, plan: Plan) -> int | None:
    """P3: the number of the plan's latest revision."""
    return _latest_number(db, plan)


def revision(db: Session, plan: Plan, number: int) -> PlanRevision:
    rev = db.scalar(select(PlanRevision).where(PlanRevision.plan_id == plan.id, PlanRevision.number == number))
    if rev is None:
        raise NotFound()
    return rev


def reviews(db: Session, plan: Plan) -> list[PlanReview]:
    return list(db.scalars(select(PlanReview).where(PlanReview.plan_id == plan.id)
                           .options(joinedload(PlanReview.revision).load_only(PlanRevision.number)
                                    .lazyload(PlanRevision.author))
                           .order_by(PlanReview.at.desc(), PlanReview.id.desc())))


def core_people(db: Session, collab: Collaborative, today: date) -> list[Person]:
    """The people on the collaborative's Core today (milestone owners are chosen from them)."""
    from ..cores.services import current_core

    people = {t.person_id: t.person for t in current_core(db, collab.id, today)}
    return sorted(people.values(), key=lambda p: p.name)


# --- writing plans (P1–P4) -------------------------------------------------------------------------

def content_of(plan: Plan) -> dict[str, Any]:
    """P3: the whole content of ``plan`` as JSON (what a revision stores)."""
    years = {y.start_year: y.label for y in plan.school_years}
    return {
        "title": plan.title,
        "first_year": plan.first_year,
        "last_year": plan.last_year,
        "years_label": plan.years_label,
        "template_version": plan.template.version,
        "sections": [{"key": s.key, "title": s.title, "kind": s.kind} for s in plan.template.sections],
        "texts": dict(plan.texts or {}),
        "goals": [{"statement": g.statement, "student_learning": g.student_learning} for g in plan.goals],
        "offerings": [{"school_year": o.school_year, "year_label": years.get(o.school_year, str(o.school_year)),
                       "kind": o.kind, "title": o.title, "description": o.description}
                      for o in sorted(plan.offerings, key=lambda o: (o.school_year, o.position))],
        "milestones": [{"id": m.id, "title": m.title, "owner_id": m.owner_id,
                        "owner_name": m.owner.name if m.owner else None, "due_on": m.due_on.isoformat(),
                        "is_done": m.is_done, "done_on": m.done_on.isoformat() if m.done_on else None}
                       for m in sorted(plan.milestones, key=lambda m: (m.due_on, m.id or 0))],
        "evidence": [{"indicator": e.indicator, "source": e.source} for e in plan.evidence],
    }


#: P1: the school years a plan may name, and the most it may cover (pages compute dates from them).
FIRST_PLAN_YEAR, LAST_PLAN_YEAR = 2000, 2100
MAX_PLAN_YEARS = 6


def _check_years(first_year: Any, last_year: Any) -> tuple[int, int]:
    """P1: a plan covers at least two and at most ``MAX_PLAN_YEARS`` school years between
    ``FIRST_PLAN_YEAR`` and ``LAST_PLAN_YEAR``; create and save both go through here."""
    years = {}
    for field, value in (("first_year", first_year), ("last_year", last_year)):
        try:
            year = int(value)
        except (TypeError, ValueError):
            raise DomainError("P1", "give the school year as the year it starts in, e.g. 2026", field=field) from None
        if not FIRST_PLAN_YEAR <= year <= LAST_PLAN_YEAR:
            raise DomainError("P1", f"a school year between {FIRST_PLAN_YEAR} and {LAST_PLAN_YEAR}", field=field)
        years[field] = year
    first_year, last_year = years["first_year"], years["last_year"]
    if last_year < first_year + 1:
        raise DomainError("P1", "a plan covers at least two school years", field="last_year")
    if last_year - first_year + 1 > MAX_PLAN_YEARS:
        raise DomainError("P1", f"a plan covers at most {MAX_PLAN_YEARS} school years", field="last_year")
    return first_year, last_year


def _check_no_overlap(db: Session, collab: Collaborative, first_year: int, last_year: int,
                      ignore: Plan | None = None) -> None:
    """P1: one current plan per collaborative, so plans never share a school year."""
    clash = db.scalar(select(Plan).where(Plan.collaborative_id == collab.id, Plan.first_year <= last_year,
                                         Plan.last_year >= first_year,
                                         Plan.id != (ignore.id if ignore else -1)).limit(1))
    if clash is not None:
        raise DomainError("P1", f"{collab.name} already has a plan for {clash.years_label}; "
                                "a plan may not share school years with another", field="first_year")


def _add_revision(db: Session, actor: Actor | None, plan: Plan, summary: str,
                  at: datetime | None = None) -> PlanRevision:
    db.flush()
    number = (db.scalar(select(func.max(PlanRevision.number)).where(PlanRevision.plan_id == plan.id)) or 0) + 1
    at = at or now_utc()
    db.expire(plan, ["milestones"])  # reload with owners, for the snapshot
    rev = PlanRevision(plan_id=plan.id, number=number, author_id=actor.id if actor else None,
                       summary=(summary or "").strip()[:300], content=content_of(plan), created_at=at)
    plan.last_revised_at = at
    db.add(rev)
    return rev


def create_plan(db: Session, actor: Actor | None, collab: Collaborative, *, title: str, first_year: int,
                last_year: int, settings: Settings, summary: str = "", at: datetime | None = None) -> Plan:
    """P1/P2: start a plan for ``collab`` from the current template, covering at least two school years.

    Only the collaborative's Core members and the DPL start one (P4). The norms section starts from
    the collaborative's current norms (K3).
    """
    if actor is not None:
        require(actor, "plan.edit", collab)
    if collab.status == CollaborativeStatus.RETIRED:
        raise DomainError("P1", f"{collab.name} is retired", field="collaborative")
    title = (title or "").strip()
    if not title:
        raise DomainError("P1", "give the plan a title", field="title")
    first_year, last_year = _check_years(first_year, last_year)
    template = current_template(db)
    if template is None:
        raise DomainError("P2", "the DPL has not set up the plan template yet", field="template")
    _check_no_overlap(db, collab, first_year, last_year)
    norms = db.scalar(select(NormsRevision.text).where(NormsRevision.collaborative_id == collab.id)
                      .order_by(NormsRevision.created_at.desc(), NormsRevision.id.desc()).limit(1))
    texts = {s.key: norms for s in template.sections if s.kind == SectionKind.NORMS and norms}
    plan = Plan(collaborative_id=collab.id, template_id=template.id, title=title, first_year=first_year,
                last_year=last_year, start_month=settings.school_year_start_month, texts=texts,
                status=PlanStatus.DRAFT)
    plan.template = template
    plan.collaborative = collab
    db.add(plan)
    db.flush()
    rev = _add_revision(db, actor, plan, summary or f"Started from template version {template.version}", at)
    # Any earlier plan now has a next plan drafted (P5).
    for other in db.scalars(select(Plan).where(Plan.collaborative_id == collab.id, Plan.id != plan.id)):
        db.expire(other, ["has_next_plan"])
    record(db, actor, "plan.create", plan, f"Started the plan {title!r} for {collab.name} ({plan.years_label})",
           after=rev.content, collaborative_id=collab.id)
    return plan


def _clean(text: str | None) -> str:
    return (text or "").strip()


#: The sections whose content is rows of the plan, by the content key that carries them (P2).
LIST_SECTIONS = {"goals": SectionKind.GOALS, "offerings": SectionKind.OFFERINGS,
                 "milestones": SectionKind.MILESTONES, "evidence": SectionKind.EVIDENCE}


def _picture(title: str, first_year: int, last_year: int, texts: dict[str, str], goals: list[dict],
             offerings: list[dict], milestones: list[dict], evidence: list[dict]) -> dict[str, Any]:
    """What a revision's content depends on, to tell whether a save changes anything (P3).
    Offerings are ordered as the plan shows them (by year, then position); milestones by due date."""
    return {
        "title": title, "years": (first_year, last_year), "texts": {k: v for k, v in texts.items() if v},
        "goals": [(g["statement"], g["student_learning"]) for g in goals],
        "offerings": sorted(((o["school_year"], o["kind"], o["title"], o["description"]) for o in offerings),
                            key=lambda o: o[0]),
        "milestones": sorted((m["due_on"], m["title"], m["owner_id"] or 0, m["is_done"], m["done_on"] or date.min)
                             for m in milestones),
        "evidence": [(e["indicator"], e["source"]) for e in evidence],
    }


def _rows_of(plan: Plan) -> dict[str, list[dict[str, Any]]]:
    """The plan's current rows as plain values (the shape ``save_plan`` checks and compares)."""
    return {
        "goals": [{"statement": g.statement, "student_learning": g.student_learning} for g in plan.goals],
        "offerings": [{"school_year": o.school_year, "kind": o.kind, "title": o.title, "description": o.description}
                      for o in sorted(plan.offerings, key=lambda o: (o.school_year, o.position))],
        "milestones": [{"id": m.id, "title": m.title, "owner_id": m.owner_id, "due_on": m.due_on,
                        "is_done": m.is_done, "done_on": m.done_on} for m in plan.milestones],
        "evidence": [{"indicator": e.indicator, "source": e.source} for e in plan.evidence],
    }


def save_plan(db: Session, actor: Actor | None, plan: Plan, content: dict[str, Any], summary: str,
              today: date, *, base_revision: int | None = None, at: datetime | None = None) -> PlanRevision:
    """P3: save the plan's content as a new revision (author, time, summary).

    ``content`` may hold ``title``, ``first_year``, ``last_year``, ``texts`` and the lists ``goals``,
    ``offerings``, ``milestones`` and ``evidence``; what is absent stays as it is. A text section
    changes only when its key is in ``texts`` (an empty text clears it); a list, when given, replaces
    that section's rows (an empty list clears it). A milestone given with the ``id`` of one of this
    plan's milestones is kept (its done date, and an owner who has since left the Core).

    P3: refused, with nothing written, when nothing changed, or when ``base_revision`` (the revision
    the editor started from) is no longer the latest: someone saved in between.
    P4: only the collaborative's Core members and the DPL edit, and not while the plan waits for
    the DPL's review; revising an accepted or returned plan makes it a draft again.
    P2: content goes only in sections the plan's template has; a milestone's owner is a current
    Core member (an owner kept from before may stay). P1: the years are checked as when starting.
    """
    collab = plan.collaborative
    if actor is not None:
        require(actor, "plan.edit", collab)
    # Lock the plan so the base_revision check and the numbering see every earlier save.
    db.flush()
    lock_row(db, Plan, plan.id)
    if plan.status == PlanStatus.SUBMITTED:
        raise DomainError("P4", "the plan is with the DPL for review; it can be revised once it is accepted "
                                "or returned", field="status")
    latest = _latest_number(db, plan)
    if base_revision is not None and base_revision != latest:
        raise DomainError("P3", f"the plan was revised since you opened it: you started from revision "
                                f"{base_revision} and the latest is revision {latest}", field="base_revision")
    if not _clean(summary):
        raise DomainError("P3", "say in a few words what changed", field="summary")

    title = plan.title
    if "title" in content:
        title = _clean(content["title"])
        if not title:
            raise DomainError("P1", "give the plan a title", field="title")
    first_year, last_year = _check_years(
        plan.first_year if content.get("first_year") is None else content["first_year"],
        plan.last_year if content.get("last_year") is None else content["last_year"])
    if (first_year, last_year) != (plan.first_year, plan.last_year):
        _check_no_overlap(db, collab, first_year, last_year, ignore=plan)

    sections = plan.template.sections
    text_keys = {s.key for s in sections if SectionKind(s.kind).is_text}
    texts = dict(plan.texts or {})
    for key, value in (content.get("texts") or {}).items():
        if key not in text_keys:
            raise DomainError("P2", f"the plan's template (version {plan.template.version}) has no text "
                                    f"section {key!r}", field=f"texts.{key}")
        if _clean(value):
            texts[key] = _clean(value)
        else:
            texts.pop(key, None)

    current = _rows_of(plan)
    given = {k: content[k] for k in LIST_SECTIONS if content.get(k) is not None}
    kinds = {s.kind for s in sections}
    for key, rows in given.items():
        if rows and LIST_SECTIONS[key] not in kinds:
            raise DomainError("P2", f"the plan's template (version {plan.template.version}) has no "
                                    f"{LIST_SECTIONS[key].label.lower()} section", field=key)

    goals = current["goals"]
    if "goals" in given:
        goals = []
        for i, g in enumerate(given["goals"]):
            if not _clean(g.get("statement")):
                raise DomainError("P2", "a goal needs a statement", field=f"goals.{i}.statement")
            goals.append({"statement": _clean(g["statement"]), "student_learning": _clean(g.get("student_learning"))})
    offerings = current["offerings"]
    if "offerings" in given:
        offerings = []
        for i, o in enumerate(given["offerings"]):
            if not _clean(o.get("title")):
                raise DomainError("P2", "an offering needs a title", field=f"offerings.{i}.title")
            if o.get("kind") not in set(OfferingKind):
                raise DomainError("P2", "choose the kind of offering", field=f"offerings.{i}.kind")
            offerings.append({"school_year": int(o.get("school_year") or 0), "kind": str(o["kind"]),
                              "title": _clean(o["title"]), "description": _clean(o.get("description"))})
    for i, o in enumerate(offerings):  # also the rows kept when the years change
        if not first_year <= o["school_year"] <= last_year:
            raise DomainError("P1", "an offering belongs to one of the plan's school years",
                              field=f"offerings.{i}.school_year")
    evidence = current["evidence"]
    if "evidence" in given:
        evidence = []
        for i, e in enumerate(given["evidence"]):
            if not _clean(e.get("indicator")):
                raise DomainError("P2", "say what will show the impact", field=f"evidence.{i}.indicator")
            evidence.append({"indicator": _clean(e["indicator"]), "source": _clean(e.get("source"))})
    milestones = current["milestones"]
    if "milestones" in given:
        milestones = _check_milestones(db, plan, given["milestones"], today)

    if _picture(title, first_year, last_year, texts, goals, offerings, milestones, evidence) == _picture(
            plan.title, plan.first_year, plan.last_year, plan.texts or {}, **current):
        raise DomainError("P3", "nothing changed", field="summary")

    # Every check has passed: now write.
    before = content_of(plan)
    plan.title, plan.first_year, plan.last_year = title, first_year, last_year
    plan.texts = texts
    if "goals" in given:
        plan.goals = [PlanGoal(position=i + 1, **g) for i, g in enumerate(goals)]
    if "offerings" in given:
        plan.offerings = [PlanOffering(position=i + 1, **o) for i, o in enumerate(offerings)]
    if "evidence" in given:
        plan.evidence = [PlanEvidence(position=i + 1, **e) for i, e in enumerate(evidence)]
    if "milestones" in given:
        existing = {m.id: m for m in plan.milestones}
        kept = []
        for m in milestones:
            row = existing.get(m["id"]) if m["id"] else None
            row = row or PlanMilestone()
            row.title, row.owner_id, row.due_on = m["title"], m["owner_id"], m["due_on"]
            row.is_done, row.done_on = m["is_done"], m["done_on"]
            kept.append(row)
        plan.milestones = kept
    db.flush()
    db.expire(plan, ["goals", "offerings", "evidence", "milestones"])
    status_before = plan.status
    if plan.status in (PlanStatus.ACCEPTED, PlanStatus.RETURNED):
        plan.status = PlanStatus.DRAFT
    rev = _add_revision(db, actor, plan, summary, at)
    record(db, actor, "plan.revise", plan, f"Revision {rev.number} of {plan.title}: {rev.summary}",
           before={**before, "status": status_before}, after={**rev.content, "status": plan.status},
           collaborative_id=collab.id)
    return rev


def _check_milestones(db: Session, plan: Plan, given: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """P2: milestones as plain values: each has a title, a due date and an owner on the Core (one
    kept from before may stay); ``id`` names one of this plan's milestones to keep."""
    collab = plan.collaborative
    core_ids = {p.id for p in core_people(db, collab, today)}
    existing = {m.id: m for m in plan.milestones}
    seen: set[int] = set()
    out = []
    for i, m in enumerate(given):
        if not _clean(m.get("title")):
            raise DomainError("P2", "a milestone needs a title", field=f"milestones.{i}.title")
        if not m.get("due_on"):
            raise DomainError("P2", "a milestone needs a due date", field=f"milestones.{i}.due_on")
        due = m["due_on"] if isinstance(m["due_on"], date) else date.fromisoformat(str(m["due_on"]))
        row = None
        if m.get("id"):
            row = existing.get(m["id"])
            if row is None or m["id"] in seen:
                raise DomainError("P2", f"this plan has no milestone {m['id']} to keep; leave the id out "
                                        "for a new milestone", field=f"milestones.{i}.id")
            seen.add(m["id"])
        owner_id = m.get("owner_id") or None
        if owner_id is not None and owner_id not in core_ids and (row is None or row.owner_id != owner_id):
            raise DomainError("P2", "a milestone's owner is a current Core member of "
                                    f"{collab.name}", field=f"milestones.{i}.owner_id")
        is_done = bool(m.get("is_done"))
        done_on = m.get("done_on") or None
        if isinstance(done_on, str):
            done_on = date.fromisoformat(done_on)
        if is_done:
            done_on = done_on or (row.done_on if row is not None and row.is_done else None) or today
        else:
            done_on = None
        out.append({"id": row.id if row is not None else None, "title": _clean(m["title"]), "owner_id": owner_id,
                    "due_on": due, "is_done": is_done, "done_on": done_on})
    return out


def _latest_number(db: Session, plan: Plan) -> int | None:
    return db.scalar(select(func.max(PlanRevision.number)).where(PlanRevision.plan_id == plan.id))


def _review(db: Session, actor: Actor | None, plan: Plan, action: ReviewAction, comment: str,
            at: datetime | None) -> PlanReview:
    number = _latest_number(db, plan)
    rev_id = db.scalar(select(PlanRevision.id).where(PlanRevision.plan_id == plan.id,
                                                     PlanRevision.number == number))
    row = PlanReview(plan_id=plan.id, revision_id=rev_id, action=action, actor_id=actor.id if actor else None,
                     comment=comment, at=at or now_utc())
    db.add(row)
    return row


def submit_plan(db: Session, actor: Actor | None, plan: Plan, *, at: datetime | None = None) -> Plan:
    """P4: a draft (or returned) plan goes to the DPL for review."""
    if actor is not None:
        require(actor, "plan.edit", plan.collaborative)
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.RETURNED):
        raise DomainError("P4", f"only a draft or returned plan can be submitted; this one is {plan.status}",
                          field="status")
    before = {"status": plan.status}
    plan.status = PlanStatus.SUBMITTED
    _review(db, actor, plan, ReviewAction.SUBMITTED, "", at)
    record(db, actor, "plan.submit", plan, f"Submitted {plan.title} for review", before=before,
           after={"status": plan.status}, collaborative_id=plan.collaborative_id)
    return plan


def accept_plan(db: Session, actor: Actor | None, plan: Plan, comment: str = "", *,
                at: datetime | None = None) -> Plan:
    """P4: the DPL accepts a submitted plan. A draft that was never submitted cannot be accepted."""
    if actor is not None:
        require(actor, "plan.review")
    if plan.status != PlanStatus.SUBMITTED:
        raise DomainError("P4", f"only a submitted plan can be accepted; this one is {plan.status}",
                          field="status")
    before = {"status": plan.status, "accepted_revision": plan.accepted_revision}
    plan.status = PlanStatus.ACCEPTED
    plan.accepted_revision = _latest_number(db, plan)
    plan.review_comment = _clean(comment) or None
    _review(db, actor, plan, ReviewAction.ACCEPTED, _clean(comment), at)
    record(db, actor, "plan.accept", plan, f"Accepted {plan.title} (revision {plan.accepted_revision})",
           before=before, after={"status": plan.status, "accepted_revision": plan.accepted_revision,
                                 "comment": plan.review_comment}, collaborative_id=plan.collaborative_id)
    return plan


def return_plan(db: Session, actor: Actor | None, plan: Plan, comment: str, *,
                at: datetime | None = None) -> Plan:
    """P4: the DPL returns a submitted plan with comments for the Core."""
    if actor is not None:
        require(actor, "plan.review")
    if plan.status != PlanStatus.SUBMITTED:
        raise DomainError("P4", f"only a submitted plan can be returned; this one is {plan.status}",
                          field="status")
    if not _clean(comment):
        raise DomainError("P4", "say what the Core should change", field="comment")
    before = {"status": plan.status}
    plan.status = PlanStatus.RETURNED
    plan.review_comment = _clean(comment)
    _review(db, actor, plan, ReviewAction.RETURNED, _clean(comment), at)
    record(db, actor, "plan.return", plan, f"Returned {plan.title} to the Core", before=before,
           after={"status": plan.status, "comment": plan.review_comment}, collaborative_id=plan.collaborative_id)
    return plan


# --- updates and proposals (M4) -------------------------------------------------------------------

def create_post(db: Session, actor: Actor | None, collab: Collaborative, *, kind: str, title: str, body: str,
                at: datetime | None = None, author: Person | None = None) -> Post:
    """M4: a Core member shares an update or a proposal with the DPL and Center staff."""
    if actor is not None:
        require(actor, "post.create", collab)
    if kind not in set(PostKind):
        raise DomainError("M4", "choose update or proposal", field="kind")
    if not _clean(title):
        raise DomainError("M4", "give it a title", field="title")
    if not _clean(body):
        raise DomainError("M4", "write the update or proposal", field="body")
    author_id = actor.id if actor else (author.id if author else None)
    post = Post(collaborative_id=collab.id, kind=kind, title=_clean(title), body=_clean(body), author_id=author_id,
                status=ProposalStatus.OPEN if kind == PostKind.PROPOSAL else None, created_at=at or now_utc())
    db.add(post)
    record(db, actor, f"{kind}.create", post, f"{collab.name} shared {'a proposal' if kind == 'proposal' else 'an update'}: "
                                              f"{post.title}",
           after={"kind": kind, "title": post.title, "body": post.body, "status": post.status},
           collaborative_id=collab.id)
    return post


def answer_proposal(db: Session, actor: Actor | None, post: Post, decision: str, note: str, *,
                    at: datetime | None = None) -> Post:
    """M4: the DPL answers an open proposal (``accepted`` or ``declined``) with a note."""
    if actor is not None:
        require(actor, "proposal.answer")
    if not post.is_proposal:
        raise DomainError("M4", "updates are not answered; only proposals are", field="kind")
    if post.status != ProposalStatus.OPEN:
        raise DomainError("M4", f"this proposal was already {post.status}", field="decision")
    if decision not in (ProposalStatus.ACCEPTED, ProposalStatus.DECLINED):
        raise DomainError("M4", "accept or decline the proposal", field="decision")
    if not _clean(note):
        raise DomainError("M4", "add a note for the Core", field="note")
    before = {"status": post.status}
    post.status, post.answer_note, post.answered_at = decision, _clean(note), at or now_utc()
    post.answered_by_id = actor.id if actor else None
    record(db, actor, "proposal.answer", post, f"{decision.capitalize()} the proposal {post.title!r}",
           before=before, after={"status": post.status, "note": post.answer_note},
           collaborative_id=post.collaborative_id)
    return post


#: M4: who reads every collaborative's updates and proposals; a Core reads only its own.
POST_OVERSEERS = (Role.DPL, Role.EXECUTIVE_DIRECTOR, Role.PDAC, Role.CENTER_STAFF)


def post_scope(actor: Actor | None) -> frozenset[int] | None:
    """M4: the collaboratives whose posts ``actor`` may read: None for every one (the DPL, Executive
    Director, PDAC and Center staff), else the Cores they serve on today (for no one: none)."""
    if actor is not None and actor.has(*POST_OVERSEERS):
        return None
    return actor.core_of if actor is not None else frozenset()


def _scoped(stmt, scope: frozenset[int] | None):
    return stmt if scope is None else stmt.where(Post.collaborative_id.in_(sorted(scope)))


def open_proposals_query(scope: frozenset[int] | None = None):
    """M4: the DPL's inbox: open proposals, oldest first (of the collaboratives in ``scope``)."""
    return _scoped(select(Post).where(Post.kind == PostKind.PROPOSAL, Post.status == ProposalStatus.OPEN)
                   .order_by(Post.created_at, Post.id), scope)


def open_proposals(db: Session, limit: int | None = None, scope: frozenset[int] | None = None) -> list[Post]:
    stmt = open_proposals_query(scope)
    if limit:
        stmt = stmt.limit(limit)
    return list(db.scalars(stmt))


def count_open_proposals(db: Session, scope: frozenset[int] | None = None) -> int:
    return db.scalar(_scoped(select(func.count()).select_from(Post).where(
        Post.kind == PostKind.PROPOSAL, Post.status == ProposalStatus.OPEN), scope)) or 0


def posts_query(collab: Collaborative | None = None, kind: str | None = None, status: str | None = None,
                scope: frozenset[int] | None = None):
    """M4: updates and proposals, newest first; ``scope`` (see ``post_scope``) limits the collaboratives."""
    stmt = _scoped(select(Post).order_by(Post.created_at.desc(), Post.id.desc()), scope)
    if collab is not None:
        stmt = stmt.where(Post.collaborative_id == collab.id)
    if kind:
        stmt = stmt.where(Post.kind == kind)
    if status:
        stmt = stmt.where(Post.status == status)
    return stmt


def at_day(day: date, settings: Settings, hour: int = 10) -> datetime:
    """An instant on ``day`` in the network's zone (for seeds and tests)."""
    return datetime.combine(day, time(hour), settings.tz)


def revisions_to_compare(db: Session, plan: Plan, new: str | None, old: str | None):
    """P3: the two revisions to compare, from the numbers asked for (query strings): by default the
    latest and the one before it; numbers out of range are brought into range."""
    latest = latest_number(db, plan)
    if latest is None:
        raise NotFound()

    def number(raw: str | None, default: int) -> int:
        try:
            return max(1, min(latest, int(raw))) if raw not in (None, "") else default
        except ValueError:
            return default

    new_n = number(new, latest)
    old_n = number(old, max(1, new_n - 1))
    return revision(db, plan, old_n), revision(db, plan, new_n)
