"""Updates and proposals (M4): a Core shares them with the DPL and Center staff, the DPL answers a
proposal. Those who oversee every Core read every collaborative's; a Core member reads their own
Cores'. Services flush, never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..audit.services import record
from ..auth.models import Person
from ..permissions import OVERSEERS, Actor, require
from ..clock import now_utc
from ..db import get_or_not_found
from ..errors import DomainError
from ..network.models import Collaborative
from .models import Post, PostKind, ProposalStatus


def _clean(text: str | None) -> str:
    return (text or "").strip()


# --- who reads what --------------------------------------------------------------------------------

def oversees_every_core(actor: Actor | None) -> bool:
    """M4, P5: the DPL, Executive Director, PDAC and Center staff (``OVERSEERS``) read every Core's
    updates and proposals and follow every plan that is out of date."""
    return actor is not None and (actor.is_system or actor.has(*OVERSEERS))


def post_scope(actor: Actor | None) -> frozenset[int] | None:
    """M4: the collaboratives whose posts ``actor`` may read: None for every one (those who oversee
    every Core), else the Cores they serve on today (for no one: none)."""
    if oversees_every_core(actor):
        return None
    return actor.core_of if actor is not None else frozenset()


def _scoped(stmt: Select, scope: frozenset[int] | None) -> Select:
    return stmt if scope is None else stmt.where(Post.collaborative_id.in_(sorted(scope)))


def _open_proposals(actor: Actor | None) -> Select:
    return _scoped(select(Post).where(Post.kind == PostKind.PROPOSAL, Post.status == ProposalStatus.OPEN)
                   .order_by(Post.created_at, Post.id), post_scope(actor))


# --- reading -----------------------------------------------------------------------------------------

def posts_query(actor: Actor | None, collab: Collaborative | None = None, *, kind: str | None = None,
                status: str | None = None) -> Select:
    """M4: the updates and proposals ``actor`` may read (of ``collab`` only, when given: refused to
    a Core member of another collaborative), newest first."""
    require(actor, "post.view", collab)
    stmt = _scoped(select(Post).order_by(Post.created_at.desc(), Post.id.desc()), post_scope(actor))
    if collab is not None:
        stmt = stmt.where(Post.collaborative_id == collab.id)
    if kind:
        stmt = stmt.where(Post.kind == kind)
    if status:
        stmt = stmt.where(Post.status == status)
    return stmt


def listing_query(actor: Actor | None, *, kind: str | None = None, status: str | None = None) -> Select:
    """M4: what the list of posts shows: with ``status="open"`` the open proposals oldest first (the
    inbox's order), else ``posts_query``."""
    if status == ProposalStatus.OPEN:
        require(actor, "post.view")
        return _open_proposals(actor)
    return posts_query(actor, kind=kind, status=status)


def open_proposals(db: Session, actor: Actor | None, limit: int | None = None) -> list[Post]:
    """M4: the inbox: open proposals ``actor`` may read, oldest first."""
    require(actor, "post.view")
    stmt = _open_proposals(actor)
    if limit:
        stmt = stmt.limit(limit)
    return list(db.scalars(stmt))


def count_open_proposals(db: Session, actor: Actor | None) -> int:
    """M4: how many proposals ``actor`` may read are waiting for the DPL's answer."""
    require(actor, "post.view")
    return db.scalar(_scoped(select(func.count()).select_from(Post).where(
        Post.kind == PostKind.PROPOSAL, Post.status == ProposalStatus.OPEN), post_scope(actor))) or 0


def post_to_answer(db: Session, actor: Actor | None, post_id: int) -> Post:
    """M4: one update or proposal, for the DPL to answer."""
    require(actor, "proposal.answer")
    post = get_or_not_found(db, Post, post_id)
    return post


# --- writing -----------------------------------------------------------------------------------------

def new_post_form(actor: Actor, collab: Collaborative, kind: str | None) -> dict[str, str]:
    """M4: what a new update or proposal starts from, for a Core member of ``collab``."""
    require(actor, "post.create", collab)
    return {"kind": kind if kind in set(PostKind) else PostKind.UPDATE.value, "title": "", "body": ""}


def create_post(db: Session, actor: Actor, collab: Collaborative, *, kind: str | None, title: str, body: str,
                at: datetime | None = None, author: Person | None = None) -> Post:
    """M4: a Core member shares an update or a proposal with the DPL and Center staff. ``author``
    names who wrote it when the system records it for them (the seed); otherwise it is the actor."""
    require(actor, "post.create", collab)
    if kind not in set(PostKind):
        raise DomainError("M4", "choose update or proposal", field="kind")
    if not _clean(title):
        raise DomainError("M4", "give it a title", field="title")
    if not _clean(body):
        raise DomainError("M4", "write the update or proposal", field="body")
    author_id = author.id if author is not None else actor.id
    post = Post(collaborative_id=collab.id, kind=str(kind), title=_clean(title), body=_clean(body),
                author_id=author_id, status=ProposalStatus.OPEN if kind == PostKind.PROPOSAL else None,
                created_at=at or now_utc())
    db.add(post)
    noun = "a proposal" if kind == PostKind.PROPOSAL else "an update"
    record(db, actor, f"{kind}.create", post, f"{collab.name} shared {noun}: {post.title}",
           after={"kind": post.kind, "title": post.title, "body": post.body, "status": post.status},
           collaborative_id=collab.id)
    return post


def answer_proposal(db: Session, actor: Actor, post: Post, decision: str | None, note: str, *,
                    at: datetime | None = None) -> Post:
    """M4: the DPL answers an open proposal (``accepted`` or ``declined``) with a note."""
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
    post.status, post.answer_note, post.answered_at = str(decision), _clean(note), at or now_utc()
    post.answered_by_id = actor.id
    record(db, actor, "proposal.answer", post, f"{str(decision).capitalize()} the proposal {post.title!r}",
           before=before, after={"status": post.status, "note": post.answer_note},
           collaborative_id=post.collaborative_id)
    return post
