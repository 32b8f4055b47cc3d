"""Slugs: the names of collaboratives, schools and conferences in web addresses (K1, N1, S1)."""

from __future__ import annotations

import re

from .errors import DomainError

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: Path words that name a page rather than a thing (``/collaboratives/new`` is the form for a new
#: collaborative), so no slug may be one of them.
RESERVED_SLUGS = frozenset({"new"})


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def check_slug(slug: str, field: str = "slug", rule: str = "K1") -> str:
    """A slug is lowercase letters, digits and single hyphens, and not a word the pages use."""
    slug = slug.strip()
    if slug in RESERVED_SLUGS:
        raise DomainError(rule, f"{slug!r} names a page; choose another slug", field=field)
    if not SLUG_RE.match(slug):
        raise DomainError(rule, "a slug is lowercase letters, digits and single hyphens (e.g. world-languages)",
                          field=field)
    return slug
