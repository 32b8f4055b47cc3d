"""P3: compare two revisions of a plan side by side, section by section, with the changes marked.

The line and word matching is Python's ``difflib``; this module only turns a revision's JSON into
readable lines per section and pairs the matched lines up for a two-column view.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from .models import OfferingKind, SectionKind

OFFERING_LABELS = {k.value: k.label for k in OfferingKind}


@dataclass
class Row:
    """One line of the side-by-side view: ``equal``, ``replace``, ``delete`` or ``insert``."""

    tag: str
    left: str | None
    right: str | None
    left_html: Markup = Markup("")
    right_html: Markup = Markup("")


@dataclass
class SectionDiff:
    key: str
    title: str
    rows: list[Row] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(r.tag != "equal" for r in self.rows)

    @property
    def added(self) -> list[str]:
        return [r.right for r in self.rows if r.tag in ("insert", "replace") and r.right is not None]

    @property
    def removed(self) -> list[str]:
        return [r.left for r in self.rows if r.tag in ("delete", "replace") and r.left is not None]


def section_lines(content: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(key, title, lines) for each section of a revision's content, in the template's order."""
    out: list[tuple[str, str, list[str]]] = [
        ("_plan", "The plan", [f"Title: {content.get('title', '')}",
                               f"School years: {content.get('years_label', '')}"])]
    texts = content.get("texts") or {}
    for s in content.get("sections") or []:
        kind = s["kind"]
        if kind in (SectionKind.FREE_TEXT, SectionKind.NORMS):
            lines = (texts.get(s["key"]) or "").splitlines()
        elif kind == SectionKind.GOALS:
            lines = []
            for i, g in enumerate(content.get("goals") or [], 1):
                lines.append(f"{i}. {g['statement']}")
                if g.get("student_learning"):
                    lines.append(f"   Student learning: {g['student_learning']}")
        elif kind == SectionKind.OFFERINGS:
            lines = [f"{o['year_label']} · {OFFERING_LABELS.get(o['kind'], o['kind'])}: {o['title']}"
                     + (f" — {o['description']}" if o.get("description") else "")
                     for o in content.get("offerings") or []]
        elif kind == SectionKind.MILESTONES:
            lines = [f"[{'x' if m['is_done'] else ' '}] {m['title']} — due {m['due_on']}"
                     + (f" — {m['owner_name']}" if m.get("owner_name") else "")
                     + (f" — done {m['done_on']}" if m.get("done_on") else "")
                     for m in content.get("milestones") or []]
        elif kind == SectionKind.EVIDENCE:
            lines = [e["indicator"] + (f" (source: {e['source']})" if e.get("source") else "")
                     for e in content.get("evidence") or []]
        else:
            lines = []
        out.append((s["key"], s["title"], lines))
    return out


_WORDS = re.compile(r"\s+|[^\s]+")


def _mark_words(old: str, new: str) -> tuple[Markup, Markup]:
    """Word-level changes within a changed line, as <del> on the left and <ins> on the right."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    left, right = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        l_text, r_text = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if tag == "equal":
            left.append(l_text)
            right.append(r_text)
        else:
            if l_text:
                left.append(Markup("<del>%s</del>") % l_text)
            if r_text:
                right.append(Markup("<ins>%s</ins>") % r_text)
    return Markup("").join(left), Markup("").join(right)


def diff_lines(old: list[str], new: list[str]) -> list[Row]:
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [Row("equal", l, r, escape(l), escape(r)) for l, r in zip(old[i1:i2], new[j1:j2])]
        elif tag == "delete":
            rows += [Row("delete", l, None, Markup("<del>%s</del>") % l) for l in old[i1:i2]]
        elif tag == "insert":
            rows += [Row("insert", None, r, Markup(""), Markup("<ins>%s</ins>") % r) for r in new[j1:j2]]
        else:
            lefts, rights = old[i1:i2], new[j1:j2]
            for k in range(max(len(lefts), len(rights))):
                l = lefts[k] if k < len(lefts) else None
                r = rights[k] if k < len(rights) else None
                if l is not None and r is not None:
                    lh, rh = _mark_words(l, r)
                    rows.append(Row("replace", l, r, lh, rh))
                elif l is not None:
                    rows.append(Row("delete", l, None, Markup("<del>%s</del>") % l))
                else:
                    rows.append(Row("insert", None, r, Markup(""), Markup("<ins>%s</ins>") % r))
    return rows


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[SectionDiff]:
    """P3: the sections of two revisions' content, each with its side-by-side rows."""
    before = {key: (title, lines) for key, title, lines in section_lines(old)}
    out: list[SectionDiff] = []
    seen: set[str] = set()
    for key, title, lines in section_lines(new):
        seen.add(key)
        out.append(SectionDiff(key, title, diff_lines(before.get(key, (title, []))[1], lines)))
    for key, (title, lines) in before.items():
        if key not in seen:
            out.append(SectionDiff(key, title, diff_lines(lines, [])))
    return out
