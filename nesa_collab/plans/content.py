"""What a plan holds (P1–P3): the typed input a save takes (``PlanContent``, built by the edit page
and by the API), one check per kind of section that turns its part of the input into the rows to
write or refuses with the rule and the field (``milestones.2.owner_id``), and the snapshot a revision
stores. The checks are pure: they read only what they are given."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..errors import DomainError
from .models import OfferingKind, Plan, PlanMilestone, PlanTemplate, SectionKind

#: P1: the school years a plan may name, and the most it may cover.
FIRST_PLAN_YEAR, LAST_PLAN_YEAR = 2000, 2100
MAX_PLAN_YEARS = 6


@dataclass(frozen=True)
class GoalInput:
    """P2: a goal tied to student learning."""

    statement: str
    student_learning: str = ""


@dataclass(frozen=True)
class OfferingInput:
    """P2: the learning offered in one of the plan's school years (by the year it starts in)."""

    school_year: int | None
    kind: str | None
    title: str
    description: str = ""


@dataclass(frozen=True)
class MilestoneInput:
    """P2: a milestone; ``id`` names one of the plan's milestones to keep (its done date, and an
    owner who has since left the Core)."""

    title: str
    due_on: date | None
    owner_id: int | None = None
    id: int | None = None
    is_done: bool = False
    done_on: date | None = None


@dataclass(frozen=True)
class EvidenceInput:
    """P2: how impact will be evidenced: an indicator and where it comes from."""

    indicator: str
    source: str = ""


@dataclass(frozen=True)
class PlanContent:
    """P3: changes to a plan, saved as one revision. ``None`` leaves that part as it is. ``texts``
    changes only the keys it holds (an empty text clears one); a list replaces that section's rows
    (an empty list clears it)."""

    title: str | None = None
    first_year: int | None = None
    last_year: int | None = None
    texts: Mapping[str, str] | None = None
    goals: Sequence[GoalInput] | None = None
    offerings: Sequence[OfferingInput] | None = None
    milestones: Sequence[MilestoneInput] | None = None
    evidence: Sequence[EvidenceInput] | None = None


@dataclass(frozen=True)
class Sections:
    """P2: what a plan's template offers: its version, the kinds of its sections and the keys of its
    text sections. Content goes only in sections the template has."""

    version: int
    kinds: frozenset[str]
    text_keys: frozenset[str]

    @classmethod
    def of(cls, template: PlanTemplate) -> Sections:
        return cls(template.version, frozenset(s.kind for s in template.sections),
                   frozenset(s.key for s in template.sections if SectionKind(s.kind).is_text))

    def check_has(self, kind: SectionKind, field: str, rows: Sequence[Any]) -> None:
        """P2: rows for a kind of section the template lacks are refused."""
        if rows and kind not in self.kinds:
            raise DomainError("P2", f"the plan's template (version {self.version}) has no "
                                    f"{kind.label.lower()} section", field=field)


def clean(text: str | None) -> str:
    return (text or "").strip()


def check_title(title: str | None) -> str:
    """P1: a plan has a title."""
    if not clean(title):
        raise DomainError("P1", "give the plan a title", field="title")
    return clean(title)


def check_years(first_year: Any, last_year: Any) -> tuple[int, int]:
    """P1: a plan covers at least two and at most ``MAX_PLAN_YEARS`` school years between
    ``FIRST_PLAN_YEAR`` and ``LAST_PLAN_YEAR``; starting and saving a plan both go through here."""
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


def check_texts(given: Mapping[str, str] | None, current: Mapping[str, str], sections: Sections) -> dict[str, str]:
    """P2: the free-text and norms sections after the save: each key given must be one of the
    template's text sections; an empty text clears it, keys not given stay."""
    texts = dict(current)
    for key, value in (given or {}).items():
        if key not in sections.text_keys:
            raise DomainError("P2", f"the plan's template (version {sections.version}) has no text "
                                    f"section {key!r}", field=f"texts.{key}")
        if clean(value):
            texts[key] = clean(value)
        else:
            texts.pop(key, None)
    return texts


def check_goals(given: Sequence[GoalInput] | None, current: list[dict], sections: Sections) -> list[dict]:
    """P2: each goal has a statement."""
    if given is None:
        return current
    sections.check_has(SectionKind.GOALS, "goals", given)
    out = []
    for i, g in enumerate(given):
        if not clean(g.statement):
            raise DomainError("P2", "a goal needs a statement", field=f"goals.{i}.statement")
        out.append({"statement": clean(g.statement), "student_learning": clean(g.student_learning)})
    return out


def check_offerings(given: Sequence[OfferingInput] | None, current: list[dict], sections: Sections,
                    first_year: int, last_year: int) -> list[dict]:
    """P2: each offering has a title and a kind; P1: it belongs to one of the plan's school years
    (also the offerings kept when only the years change)."""
    offerings = current
    if given is not None:
        sections.check_has(SectionKind.OFFERINGS, "offerings", given)
        offerings = []
        for i, o in enumerate(given):
            if not clean(o.title):
                raise DomainError("P2", "an offering needs a title", field=f"offerings.{i}.title")
            if o.kind not in set(OfferingKind):
                raise DomainError("P2", "choose the kind of offering", field=f"offerings.{i}.kind")
            offerings.append({"school_year": int(o.school_year or 0), "kind": str(o.kind),
                              "title": clean(o.title), "description": clean(o.description)})
    for i, o in enumerate(offerings):
        if not first_year <= o["school_year"] <= last_year:
            raise DomainError("P1", "an offering belongs to one of the plan's school years",
                              field=f"offerings.{i}.school_year")
    return offerings


def check_evidence(given: Sequence[EvidenceInput] | None, current: list[dict], sections: Sections) -> list[dict]:
    """P2: each piece of evidence says what will show the impact."""
    if given is None:
        return current
    sections.check_has(SectionKind.EVIDENCE, "evidence", given)
    out = []
    for i, e in enumerate(given):
        if not clean(e.indicator):
            raise DomainError("P2", "say what will show the impact", field=f"evidence.{i}.indicator")
        out.append({"indicator": clean(e.indicator), "source": clean(e.source)})
    return out


def check_milestones(given: Sequence[MilestoneInput] | None, current: list[dict], sections: Sections, *,
                     existing: Mapping[int, PlanMilestone], core_ids: set[int], collab_name: str,
                     today: date) -> list[dict]:
    """P2: each milestone has a title, a due date and an owner who is a current Core member of the
    collaborative (``core_ids``), except an owner kept from before; ``id`` names one of the plan's
    milestones (``existing``) to keep, at most once. A milestone first marked done is done today."""
    if given is None:
        return current
    sections.check_has(SectionKind.MILESTONES, "milestones", given)
    seen: set[int] = set()
    out = []
    for i, m in enumerate(given):
        if not clean(m.title):
            raise DomainError("P2", "a milestone needs a title", field=f"milestones.{i}.title")
        if m.due_on is None:
            raise DomainError("P2", "a milestone needs a due date", field=f"milestones.{i}.due_on")
        row = None
        if m.id:
            row = existing.get(m.id)
            if row is None or m.id in seen:
                raise DomainError("P2", f"this plan has no milestone {m.id} to keep; leave the id out "
                                        "for a new milestone", field=f"milestones.{i}.id")
            seen.add(m.id)
        owner_id = m.owner_id or None
        if owner_id is not None and owner_id not in core_ids and (row is None or row.owner_id != owner_id):
            raise DomainError("P2", f"a milestone's owner is a current Core member of {collab_name}",
                              field=f"milestones.{i}.owner_id")
        done_on = None
        if m.is_done:
            done_on = m.done_on or (row.done_on if row is not None and row.is_done else None) or today
        out.append({"id": row.id if row is not None else None, "title": clean(m.title), "owner_id": owner_id,
                    "due_on": m.due_on, "is_done": m.is_done, "done_on": done_on})
    return out


def rows_of(plan: Plan) -> dict[str, list[dict[str, Any]]]:
    """The plan's current rows as plain values (the shape the checks return and ``picture`` compares)."""
    return {
        "goals": [{"statement": g.statement, "student_learning": g.student_learning} for g in plan.goals],
        "offerings": [{"school_year": o.school_year, "kind": o.kind, "title": o.title, "description": o.description}
                      for o in sorted(plan.offerings, key=lambda o: (o.school_year, o.position))],
        "milestones": [{"id": m.id, "title": m.title, "owner_id": m.owner_id, "due_on": m.due_on,
                        "is_done": m.is_done, "done_on": m.done_on} for m in plan.milestones],
        "evidence": [{"indicator": e.indicator, "source": e.source} for e in plan.evidence],
    }


def picture(title: str, first_year: int, last_year: int, texts: Mapping[str, str], goals: list[dict],
            offerings: list[dict], milestones: list[dict], evidence: list[dict]) -> dict[str, Any]:
    """P3: what a revision's content depends on, to tell whether a save changes anything.
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
