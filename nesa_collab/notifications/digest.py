"""The daily digest: for each person, what is waiting for them — what is new since yesterday, and what
is still open — each item with the link to the place to act.

The items come from the domains that own them (plans, claims, obligations, flags…), which this
package cannot import: each registers a source in ``DIGEST_SOURCES`` (``create_app`` installs them).
A source answers for a set of people at once (None: everyone), so the whole network's digests cost
one query or so per source, whatever its size.

``queue_digests(db, today, settings)`` writes today's digest to the outbox for each person who has
something waiting and has not turned the digest off, once a day (the outbox's key
``digest:{person}:{day}`` makes a second run that day write nothing); the mail worker sends them.
Without mail, ``/digest`` shows each person theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import related_model
from ..permissions import Actor, require
from ..settings import Settings
from .models import OutboxMessage
from .services import not_wanting, tell


@dataclass(frozen=True)
class DigestItem:
    """One thing waiting for a person: under which heading, what, where to act (a path of the site),
    since when (the day it started waiting), and a line of detail."""

    section: str
    title: str
    path: str
    since: date
    detail: str = ""


#: ``source(db, today, person_ids)`` → the items waiting for each of ``person_ids`` (None: for
#: everyone who has some), by person id. Installed by ``create_app`` (``install_domain_rules``).
DigestSource = Callable[[Session, date, Collection[int] | None], Mapping[int, list[DigestItem]]]
DIGEST_SOURCES: list[DigestSource] = []

KIND = "digest"


@dataclass
class Digest:
    """One person's digest for ``day``: the items new since the day before, then those still open,
    each group by section."""

    person_id: int
    day: date
    items: list[DigestItem] = field(default_factory=list)

    def is_new(self, item: DigestItem) -> bool:
        """New: started waiting since yesterday's digest (yesterday or today)."""
        return item.since >= self.day - timedelta(days=1)

    @property
    def new(self) -> list[DigestItem]:
        return [i for i in self.items if self.is_new(i)]

    @property
    def still_open(self) -> list[DigestItem]:
        return [i for i in self.items if not self.is_new(i)]


def digests(db: Session, today: date, person_ids: Collection[int] | None = None) -> dict[int, Digest]:
    """The digests of ``person_ids`` (None: of everyone with something waiting), from every source."""
    items: dict[int, list[DigestItem]] = {}
    for source in DIGEST_SOURCES:
        for person_id, found in source(db, today, person_ids).items():
            items.setdefault(person_id, []).extend(found)
    return {pid: Digest(pid, today, sorted(found, key=lambda i: (i.section, i.since, i.title)))
            for pid, found in items.items() if found}


def digest_of(db: Session, actor: Actor, today: date) -> Digest:
    """The signed-in person's digest for ``today`` (what ``/digest`` shows)."""
    require(actor, "signed_in")
    return digests(db, today, [actor.id]).get(actor.id) or Digest(actor.id, today)


def digest_key(person_id: int, day: date) -> str:
    return f"{KIND}:{person_id}:{day.isoformat()}"


def queue_digests(db: Session, today: date, settings: Settings) -> int:
    """Write ``today``'s digest to the outbox for each active person with something waiting who wants
    it, unless it is written already (idempotent: run it as often as you like). Returns how many."""
    found = digests(db, today)
    wanted = set(found) - not_wanting(db, found, "digest")
    if not wanted:
        return 0
    keys = {digest_key(pid, today): pid for pid in wanted}
    done = set(db.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(sorted(keys)))))
    Person = related_model(OutboxMessage.person)
    people = db.scalars(select(Person).where(Person.id.in_(sorted(pid for k, pid in keys.items() if k not in done)),
                                             Person.is_active.is_(True)).order_by(Person.id))
    count = 0
    for person in people:
        digest = found[person.id]
        tell(db, person, KIND, digest_subject(digest, settings), digest_text(digest, person.name, settings),
             key=digest_key(person.id, today),
             headers={"List-Unsubscribe": f"<{settings.base_url.rstrip('/')}/profile#mail>"})
        count += 1
    return count


def digest_subject(digest: Digest, settings: Settings) -> str:
    n, new = len(digest.items), len(digest.new)
    return (f"{settings.network_name}: {n} thing{'s' if n != 1 else ''} waiting for you"
            + (f" ({new} new)" if new else "") + f" — {digest.day:%-d %B %Y}")


def digest_text(digest: Digest, name: str, settings: Settings) -> str:
    """The digest as plain text: new items, then those still open, by section, each with its link."""
    base = settings.base_url.rstrip("/")
    lines = [f"Dear {name},", "", f"This is what is waiting for you on {digest.day:%A %-d %B %Y}."]
    for heading, items in (("New", digest.new), ("Still open", digest.still_open)):
        if not items:
            continue
        lines += ["", heading.upper(), ""]
        section = None
        for item in items:
            if item.section != section:
                section = item.section
                lines.append(f"{section}:")
            lines.append(f"  - {item.title}" + (f" — {item.detail}" if item.detail else "")
                         + f" (since {item.since:%-d %b %Y})")
            lines.append(f"    {base}{item.path}")
    lines += ["", f"Read it on the site: {base}/digest",
              f"You get this digest once a day when something is waiting for you. To stop it, turn it off "
              f"on your profile: {base}/profile#mail", ""]
    return "\n".join(lines)
