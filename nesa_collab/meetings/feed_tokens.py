"""Secret calendar links (M5): a person's feed and a school's feed are read through a URL holding a
secret token, which its owner (a school's: its coordinators; any: the DPL) creates, regenerates and
revokes. Someone else's link is not revealed (NotFound), as the policy ``feed.manage`` says."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..audit.services import record
from ..auth.models import Person, Role
from ..permissions import Actor, FeedOwner, require_visible
from ..clock import now_utc
from ..db import get_or_not_found
from ..errors import DomainError, NotFound
from ..network.models import Collaborative, CollaborativeStatus, School
from .models import FeedKind, FeedToken


def token_of(secret_key: str, nonce: str) -> str:
    """M5: the token in a link's URL: an HMAC of its stored nonce under the site's secret key."""
    mac = hmac.new(secret_key.encode(), f"feed-token:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _owner(kind: str, owner_id: int | None) -> FeedOwner:
    if kind == FeedKind.PERSON:
        return FeedOwner(kind, person_id=owner_id)
    return FeedOwner(kind, school_id=owner_id)


def _active(db: Session, kind: str, owner_id: int | None) -> FeedToken | None:
    column = FeedToken.person_id if kind == FeedKind.PERSON else FeedToken.school_id
    return db.scalar(select(FeedToken).where(FeedToken.kind == kind, column == owner_id,
                                             FeedToken.revoked_at.is_(None)))


def active_token(db: Session, actor: Actor, kind: str, owner_id: int | None) -> FeedToken | None:
    """M5: the link of a person's or a school's feed that works now (None: none), for its owner."""
    require_visible(actor, "feed.manage", _owner(kind, owner_id))
    return _active(db, kind, owner_id)


def issue_token(db: Session, actor: Actor, kind: str, owner_id: int | None, secret_key: str) -> tuple[FeedToken, str]:
    """M5: a new secret feed URL; any earlier one for the same feed stops working (regenerate)."""
    if kind not in set(FeedKind):
        raise DomainError("M5", "a private feed is a person's or a school's", field="kind")
    require_visible(actor, "feed.manage", _owner(kind, owner_id))
    old = _active(db, kind, owner_id)
    if old is not None:
        old.revoked_at = now_utc()
        db.flush()
    nonce = secrets.token_urlsafe(24)
    token = token_of(secret_key, nonce)
    row = FeedToken(kind=kind, nonce=nonce, token_hash=_digest(token), created_by_id=actor.id,
                    person_id=owner_id if kind == FeedKind.PERSON else None,
                    school_id=owner_id if kind == FeedKind.SCHOOL else None)
    db.add(row)
    record(db, actor, "feed_token.regenerate" if old else "feed_token.create", row,
           f"{'Regenerated' if old else 'Created'} the secret {kind} calendar link",
           after={"kind": kind, "owner_id": owner_id})
    return row, token


class Issued(NamedTuple):
    row: FeedToken
    secret: str
    #: Whether an earlier link of the same feed stopped working.
    replaced: bool


def issue_token_for(db: Session, actor: Actor, kind: str | None, school: str | None, secret_key: str) -> Issued:
    """M5: create or regenerate one's own link (``kind`` person) or that of the school named by its
    slug (``kind`` school): the page and the API."""
    kind = kind or FeedKind.PERSON
    owner = actor.id
    if kind == FeedKind.SCHOOL:
        owner = db.scalar(select(School.id).where(School.slug == (school or "")))
        if owner is None:
            raise DomainError("M5", "name the school (its slug)", field="school")
    replaced = kind in set(FeedKind) and _active(db, kind, owner) is not None
    return Issued(*issue_token(db, actor, kind, owner, secret_key), replaced)


def get_token(db: Session, actor: Actor, token_id: int) -> FeedToken:
    """M5: a link by its id, for its owner; someone else's is not revealed (NotFound)."""
    row = get_or_not_found(db, FeedToken, token_id)
    require_visible(actor, "feed.manage", row)
    return row


def revoke_token(db: Session, actor: Actor, row: FeedToken) -> FeedToken:
    """M5: the link stops working at once (404)."""
    require_visible(actor, "feed.manage", row)
    if row.revoked_at is None:
        row.revoked_at = now_utc()
        record(db, actor, "feed_token.revoke", row, f"Revoked the secret {row.kind} calendar link",
               after={"kind": row.kind, "owner_id": row.person_id if row.kind == FeedKind.PERSON else row.school_id})
    return row


def find_token(db: Session, kind: str, token: str, *options) -> FeedToken | None:
    """M5: the active token row for a URL's secret, or None (unknown and revoked look the same);
    ``options`` load what the caller needs with it."""
    if not token or len(token) > 100:
        return None
    return db.scalar(select(FeedToken).where(FeedToken.token_hash == _digest(token), FeedToken.kind == kind,
                                             FeedToken.revoked_at.is_(None)).options(*options))


def person_of_link(db: Session, token: str) -> Person:
    """M5: whose feed a personal link opens; an unknown or revoked link, or a deactivated person's,
    is NotFound (all alike: the answer reveals nothing). One query: a feed needs the person's name,
    not their roles."""
    row = find_token(db, FeedKind.PERSON, token, joinedload(FeedToken.person).lazyload(Person.role_rows))
    if row is None or row.person is None or not row.person.is_active:
        raise NotFound()
    return row.person


def school_of_link(db: Session, token: str) -> School:
    """M5: whose feed a school's link opens; an unknown or revoked link is NotFound (one query)."""
    row = find_token(db, FeedKind.SCHOOL, token, joinedload(FeedToken.school))
    if row is None or row.school is None:
        raise NotFound()
    return row.school


# --- what one subscribes to ----------------------------------------------------------------------

def _coordinated_school(actor: Actor) -> School | None:
    """The school whose link ``actor`` manages as its coordinator."""
    person = actor.person
    if person is None or not actor.has(Role.SCHOOL_COORDINATOR):
        return None
    return person.school


@dataclass
class Subscriptions:
    """M5: one's secret links (one's own; one's school's, for its coordinators) and the public
    calendars of one's active collaboratives."""

    person_link: FeedToken | None
    #: The schools whose links one manages, each with its active link (None: none yet).
    school_links: list[tuple[School, FeedToken | None]] = field(default_factory=list)
    collaboratives: list[Collaborative] = field(default_factory=list)

    @property
    def links(self) -> list[FeedToken]:
        """The active secret links."""
        return [r for r in [self.person_link, *(row for _, row in self.school_links)] if r is not None]


def subscriptions(db: Session, actor: Actor) -> Subscriptions:
    """M5: the calendars ``actor`` subscribes to (the calendars page; the API's list of links)."""
    out = Subscriptions(active_token(db, actor, FeedKind.PERSON, actor.id))
    school = _coordinated_school(actor)
    if school is not None:
        out.school_links.append((school, active_token(db, actor, FeedKind.SCHOOL, school.id)))
    ids = sorted(actor.member_of | actor.core_of)
    out.collaboratives = list(db.scalars(select(Collaborative).where(
        Collaborative.id.in_(ids), Collaborative.status == CollaborativeStatus.ACTIVE).order_by(Collaborative.name)))
    return out
