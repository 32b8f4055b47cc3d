"""What people write — norms (K3), plan sections (P2), minutes (M4) — shown as Markdown, safely.

CommonMark with tables and strikethrough, raw HTML off (a typed ``<script>`` shows as text), links
checked by markdown-it (no ``javascript:``, ``vbscript:``, ``file:`` or ``data:`` links) and marked
``rel="nofollow noopener"``, and no images (a text must not make readers' browsers fetch from
elsewhere). A single line break stays a line break: texts written before they were rendered were read
line by line. The calendar feeds keep the plain text.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markupsafe import Markup


def _link_open(self, tokens, idx, options, env) -> str:
    tokens[idx].attrSet("rel", "nofollow noopener")
    return self.renderToken(tokens, idx, options, env)


def _parser() -> MarkdownIt:
    md = MarkdownIt("js-default", {"html": False, "breaks": True, "linkify": False, "typographer": False})
    md.disable("image")
    md.add_render_rule("link_open", _link_open)
    return md


_MD = _parser()


def render(text: str | None) -> Markup:
    """K3, P2, M4: ``text`` (Markdown) as safe HTML; nothing written gives an empty string."""
    if not text or not text.strip():
        return Markup("")
    return Markup(_MD.render(text))


#: The start of raw HTML in Markdown: a tag, a closing tag, a comment or declaration, a processing
#: instruction. Autolinks (``<https://…>``, ``<a@b.org>``) are not tags and stay links.
_HTML_START = re.compile(r"<(?=/?[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$)|[!?])", re.MULTILINE)
_CODE_SPAN = re.compile(r"(`+).+?(?<!`)\1(?!`)")


def _escape_html(line: str) -> str:
    parts = []
    last = 0
    for m in _CODE_SPAN.finditer(line):
        parts += [_HTML_START.sub(r"\\<", line[last:m.start()]), m.group(0)]
        last = m.end()
    parts.append(_HTML_START.sub(r"\\<", line[last:]))
    return "".join(parts)


def markdown_source(text: str | None) -> str:
    """P3 (the Markdown export): ``text`` kept as Markdown, with raw HTML escaped so that any Markdown
    reader shows it as the pages do, as text. Code blocks and code spans are left as written."""
    lines = (text or "").split("\n")
    in_code = set()
    for token in _MD.parse(text or ""):
        if token.type in ("fence", "code_block") and token.map:
            in_code.update(range(*token.map))
    return "\n".join(line if i in in_code else _escape_html(line) for i, line in enumerate(lines))
