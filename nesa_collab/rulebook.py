"""The rulebook (``docs/rules.md``) as part of the product: rendered as the /rules page, one anchor per
rule ID, and the rule IDs in refusals linked to it (error summaries, problem documents)."""

from __future__ import annotations

import functools
import re

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from .paths import DOCS_DIR

RULES_FILE = DOCS_DIR / "rules.md"
#: "### C2 — Five to eight members": a rule's heading starts with its ID.
_HEADING_ID = re.compile(r"^([A-Z]\d{1,2})\s+—")


@functools.cache
def rulebook() -> tuple[str, frozenset[str]]:
    """The rulebook as HTML (each rule's heading has the lower-case ID as its anchor) and the set of
    rule IDs it defines."""
    md = MarkdownIt("commonmark", {"html": False})
    tokens = md.parse(RULES_FILE.read_text(encoding="utf-8"))
    ids = set()
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h3":
            m = _HEADING_ID.match(tokens[i + 1].content)
            if m:
                ids.add(m.group(1))
                token.attrSet("id", m.group(1).lower())
    return md.renderer.render(tokens, md.options, {}), frozenset(ids)


def rule_ids() -> frozenset[str]:
    return rulebook()[1]


def rule_url(rule: str | None, base: str = "") -> str | None:
    """Where a rule is explained (``/rules#c2``), or None for an ID the rulebook does not define."""
    if not rule or rule not in rule_ids():
        return None
    return f"{base.rstrip('/')}/rules#{rule.lower()}"


_MENTION = re.compile(r"\b([A-Z]\d{1,2})\b(:?)")


def link_rules(text: str | None) -> Markup:
    """A message with each rule ID it mentions linked to the rulebook ("C2: ..." → "<a>C2:</a> ...")."""
    ids = rule_ids()

    def link(m: re.Match) -> str:
        rule = m.group(1)
        if rule not in ids:
            return m.group(0)
        return f'<a href="/rules#{rule.lower()}" class="rule">{rule}{m.group(2)}</a>'

    return Markup(_MENTION.sub(link, str(escape(text or ""))))


_LEADING = re.compile(r"^([A-Z]\d{1,2}):\s*")


def split_rule(message: str | None) -> tuple[str | None, str]:
    """("C2", "an active Core has ...") for "C2: an active Core has ..."; (None, message) otherwise."""
    m = _LEADING.match(message or "")
    if m and m.group(1) in rule_ids():
        return m.group(1), (message or "")[m.end():]
    return None, message or ""
