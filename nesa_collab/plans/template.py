"""The plan template (P2): its versions, and the DPL saving a new one. Plans keep the version they
were started from."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import record
from ..permissions import Actor, require
from ..errors import DomainError
from .models import STRUCTURED_KINDS, PlanTemplate, SectionKind, TemplateSection

KEY_RE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")

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


def _latest(db: Session) -> PlanTemplate | None:
    return db.scalar(select(PlanTemplate).order_by(PlanTemplate.version.desc()).limit(1))


def current_template(db: Session, actor: Actor | None) -> PlanTemplate | None:
    """P2: the template new plans start from (the highest version), or None before the DPL sets one up."""
    require(actor, "plan.view")
    return _latest(db)


def template_versions(db: Session, actor: Actor | None) -> list[PlanTemplate]:
    """P2: every version of the template, newest first."""
    require(actor, "plan.view")
    return list(db.scalars(select(PlanTemplate).order_by(PlanTemplate.version.desc())))


def template_for_editing(db: Session, actor: Actor) -> PlanTemplate | None:
    """P2: the current template, for the DPL to edit into a new version."""
    require(actor, "template.manage")
    return _latest(db)


def _picture(t: PlanTemplate | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {"version": t.version, "sections": [
        {"key": s.key, "title": s.title, "kind": s.kind, "guidance": s.guidance} for s in t.sections]}


def _check_sections(sections: list[dict[str, Any]]) -> list[TemplateSection]:
    """P2: each section has a title, a unique key and a kind; at most one of each structured kind;
    a section of each kind in ``REQUIRED_SECTIONS``."""
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
        rows.append(TemplateSection(position=i + 1, key=key, title=title, kind=str(kind),
                                    guidance=(s.get("guidance") or "").strip()))
    missing = [label for kind, label in REQUIRED_SECTIONS.items() if kind not in seen_kinds]
    if missing:
        raise DomainError("P2", "the template needs a section for each of: " + "; ".join(missing),
                          field="sections")
    return rows


def save_template(db: Session, actor: Actor, sections: list[dict[str, Any]], summary: str = "",
                  *, at: datetime | None = None) -> PlanTemplate:
    """P2: the DPL saves a new version of the template; plans keep the version they started from.

    ``sections`` are mappings with ``key`` (made from the title when empty), ``title``, ``kind`` and
    ``guidance``. The template keeps a section of each kind in ``REQUIRED_SECTIONS`` (the sections P2
    names), at most one of each structured kind. Saving the same sections again is refused."""
    require(actor, "template.manage")
    rows = _check_sections(sections)
    previous = _latest(db)
    before = _picture(previous)
    template = PlanTemplate(version=(previous.version + 1) if previous else 1, summary=(summary or "").strip()[:300],
                            author_id=actor.id, sections=rows)
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
