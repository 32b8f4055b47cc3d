"""How the plans pages' forms become service input, and back: the edit form of a plan and the
template's form post parallel lists (``goal_statement``, ``milestone_title``…), one entry per row;
rows left empty are dropped, and an error on a kept row (``milestones.1.title``) is pointed back at
the form row it came from.

The rows a form shows are tuples: ``form_page`` shows a refused form again from these values, and
reads a list default again from the posted form as one multi-valued field."""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData

from ..dates import SchoolYear
from ..errors import DomainError, FieldError
from .models import Plan, PlanTemplate, SectionKind

#: Empty rows a form offers for adding goals, offerings, milestones, evidence or sections.
EXTRA_ROWS = 2

GOAL = ("statement", "student_learning")
OFFERING = ("school_year", "kind", "title", "description")
MILESTONE = ("id", "title", "owner_id", "due_on")
EVIDENCE = ("indicator", "source")
SECTION = ("key", "title", "kind", "guidance")


def rows(form: FormData, prefix: str, names: tuple[str, ...], checks: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Parallel form lists ``{prefix}_{name}`` as rows; a check box sends its row's index."""
    columns = {n: form.getlist(f"{prefix}_{n}") for n in names}
    count = max((len(v) for v in columns.values()), default=0)
    checked = {c: set(form.getlist(f"{prefix}_{c}")) for c in checks}
    out = []
    for i in range(count):
        row = {n: (columns[n][i].strip() if i < len(columns[n]) and isinstance(columns[n][i], str) else "")
               for n in names}
        for c in checks:
            row[c] = str(i) in checked[c]
        out.append(row)
    return out


def kept(form_rows: list[dict[str, Any]], required: tuple[str, ...]) -> tuple[list[dict[str, Any]], list[int]]:
    """Rows with something in their ``required`` fields, and their indices in the form."""
    out, index = [], []
    for i, r in enumerate(form_rows):
        if any(r.get(f) for f in required):
            out.append(r)
            index.append(i)
    return out, index


def remap(exc: DomainError, indices: dict[str, list[int]]) -> DomainError:
    """Point errors on ``milestones.2.title`` (the third kept row) at the form row it came from."""
    def fix(name: str | None) -> str | None:
        m = re.match(r"^(\w+)\.(\d+)\.(\w+)$", name or "")
        if m and m.group(1) in indices and int(m.group(2)) < len(indices[m.group(1)]):
            return f"{m.group(1)}.{indices[m.group(1)][int(m.group(2))]}.{m.group(3)}"
        return name
    exc.errors = [FieldError(fix(e.field), e.message, e.rule) for e in exc.errors]
    exc.field = fix(exc.field)
    return exc


def year_choices(start_year: int, start_month: int) -> list[tuple[int, str]]:
    """The school years the new-plan form offers, from two before ``start_year`` to six after."""
    return [(y, SchoolYear(y, start_month).label) for y in range(start_year - 2, start_year + 6)]


# --- a plan's edit form (P3) ---------------------------------------------------------------------------

def form_from_plan(plan: Plan, latest: int | None) -> dict[str, Any]:
    """The edit form filled from the plan, with empty rows to add to each list, starting from the
    ``latest`` revision."""
    blank_m = {"id": "", "title": "", "owner_id": "", "due_on": "", "is_done": False}
    return {
        "title": plan.title, "summary": "", "first_year": plan.first_year, "last_year": plan.last_year,
        "base_revision": latest, "texts": dict(plan.texts or {}),
        "goals": tuple([{"statement": g.statement, "student_learning": g.student_learning} for g in plan.goals]
                       + [{"statement": "", "student_learning": ""}] * EXTRA_ROWS),
        "offerings": tuple([{"school_year": o.school_year, "kind": o.kind, "title": o.title,
                             "description": o.description} for o in plan.offerings]
                           + [{"school_year": plan.first_year, "kind": "conference_strand", "title": "",
                               "description": ""}] * EXTRA_ROWS),
        "milestones": tuple([{"id": m.id, "title": m.title, "owner_id": m.owner_id or "",
                              "due_on": m.due_on.isoformat(), "is_done": m.is_done} for m in plan.milestones]
                            + [blank_m] * EXTRA_ROWS),
        "evidence": tuple([{"indicator": e.indicator, "source": e.source} for e in plan.evidence]
                          + [{"indicator": "", "source": ""}] * EXTRA_ROWS),
    }


def posted_plan_form(form: FormData, plan: Plan) -> dict[str, Any]:
    """The edit form as posted, in the shape ``form_from_plan`` gives (to show it again after a refusal)."""
    text_keys = [s.key for s in plan.template.sections if SectionKind(s.kind).is_text]
    return {"title": form.get("title", ""), "summary": form.get("summary", ""),
            "first_year": form.get("first_year", ""), "last_year": form.get("last_year", ""),
            "base_revision": form.get("base_revision", ""), "texts": {k: form.get(f"text_{k}", "") for k in text_keys},
            "goals": tuple(rows(form, "goal", GOAL)), "offerings": tuple(rows(form, "offering", OFFERING)),
            "milestones": tuple(rows(form, "milestone", MILESTONE, checks=("is_done",))),
            "evidence": tuple(rows(form, "evidence", EVIDENCE))}


def content_from_form(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The posted edit form (``posted_plan_form``) as input for ``PlanContentIn``: every part of the
    plan is sent (the form shows all of it), rows left empty are dropped; and, for each list, the
    form row of each kept row."""
    goals, gi = kept(list(values["goals"]), ("statement", "student_learning"))
    offerings, oi = kept(list(values["offerings"]), ("title", "description"))
    milestones, mi = kept(list(values["milestones"]), ("title", "due_on"))
    evidence, ei = kept(list(values["evidence"]), ("indicator", "source"))
    content = {
        "summary": values["summary"], "title": values["title"], "base_revision": values["base_revision"] or None,
        "first_year": values["first_year"] or None, "last_year": values["last_year"] or None,
        "texts": values["texts"], "goals": goals, "offerings": offerings,
        "milestones": [{**m, "id": m["id"] or None, "owner_id": m["owner_id"] or None, "due_on": m["due_on"] or None}
                       for m in milestones],
        "evidence": evidence,
    }
    return content, {"goals": gi, "offerings": oi, "milestones": mi, "evidence": ei}


# --- the template's form (P2) ----------------------------------------------------------------------------

def form_from_template(current: PlanTemplate | None) -> dict[str, Any]:
    """The template's form filled from the current version, with empty sections to add."""
    blank = {"key": "", "title": "", "kind": "free_text", "guidance": ""}
    sections = [{"key": s.key, "title": s.title, "kind": s.kind, "guidance": s.guidance}
                for s in (current.sections if current else [])]
    return {"sections": tuple(sections + [blank] * EXTRA_ROWS), "summary": ""}


def posted_template_form(form: FormData) -> dict[str, Any]:
    """The template's form as posted, in the shape ``form_from_template`` gives."""
    return {"sections": tuple(rows(form, "section", SECTION)), "summary": form.get("summary", "")}


def template_from_form(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The posted template form as input for ``TemplateIn`` (sections with a title or guidance), and
    the form row of each kept section."""
    sections, index = kept(list(values["sections"]), ("title", "guidance"))
    return {"sections": [{**s, "kind": s["kind"] or None} for s in sections], "summary": values["summary"]}, \
        {"sections": index}
