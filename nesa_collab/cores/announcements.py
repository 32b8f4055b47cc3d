"""M4: a Core's announcements to its collaborative's members, by mail through the outbox, and listed
on the collaborative's page.

The Core of that collaborative and the DPL send them (``announcement.send``); they go to its current
members and its Core that day, except those who turned announcements off on their profile. Each is
kept with how many it was written to, and audited (A1).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from ..audit.services import record
from ..auth.models import Person
from ..errors import DomainError
from ..network.models import Collaborative, CollaborativeStatus, Membership
from ..notifications.services import not_wanting, tell
from ..permissions import Actor, require, require_visible
from ..settings import Settings
from .models import Announcement
from .services import core_people_query

KIND = "announcement"
MAX_SUBJECT = 200
MAX_BODY = 20_000


def audience(db: Session, collab_id: int, day: date) -> list[Person]:
    """Who an announcement of the collaborative reaches on ``day``: its current members and its Core,
    active people only, by name (before anyone's choice to receive none)."""
    members = select(Membership.person_id).where(Membership.collaborative_id == collab_id, Membership.left_on.is_(None))
    return list(db.scalars(select(Person).where(or_(Person.id.in_(members), Person.id.in_(core_people_query(collab_id, day))),
                                                Person.is_active.is_(True)).order_by(Person.name, Person.id)))


def audience_size(db: Session, actor: Actor, collab: Collaborative, today: date) -> int:
    """M4: for the one about to announce (its Core, the DPL), how many the announcement would reach
    today before anyone's choice to receive none."""
    require(actor, "announcement.send", collab)
    return len(audience(db, collab.id, today))


def _text(value: str | None, field: str, what: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError("M4", f"an announcement needs {what}", field=field)
    if len(text) > limit:
        raise DomainError("M4", f"the {field} is longer than {limit} characters", field=field)
    return text


def send_announcement(db: Session, actor: Actor, collab: Collaborative, *, subject: str | None, body: str | None,
                      today: date, settings: Settings) -> Announcement:
    """M4: the Core of ``collab`` (or the DPL) sends an announcement to its members and Core by mail,
    through the outbox (after the commit); those who turned announcements off are left out. A retired
    collaborative sends none (K1)."""
    require(actor, "announcement.send", collab)
    if collab.status == CollaborativeStatus.RETIRED:
        raise DomainError("K1", f"{collab.name} is retired; it sends no announcements", field="collaborative")
    subject = _text(subject, "subject", "a subject", MAX_SUBJECT)
    body = _text(body, "body", "a text", MAX_BODY)
    people = audience(db, collab.id, today)
    left_out = not_wanting(db, [p.id for p in people], "announcements")
    recipients = [p for p in people if p.id not in left_out]
    announcement = Announcement(collaborative_id=collab.id, author_id=actor.id, subject=subject, body=body,
                                recipients=len(recipients))
    db.add(announcement)
    base = settings.base_url.rstrip("/")
    sender = actor.person.name if actor.person is not None else settings.network_name
    for person in recipients:
        tell(db, person, KIND, f"{collab.name}: {subject}",
             f"{body}\n\n— {sender}, for the {collab.name}\n\n"
             f"You receive the {collab.name}'s announcements as one of its members: {base}/collaboratives/{collab.slug}\n"
             f"To receive none, turn announcements off on your profile: {base}/profile#mail\n",
             headers={"List-Unsubscribe": f"<{base}/profile#mail>", "Precedence": "bulk"})
    record(db, actor, "announcement.send", announcement,
           f"Announcement to the {collab.name}'s members: {subject} ({len(recipients)} recipients"
           + (f", {len(left_out)} turned announcements off" if left_out else "") + ")",
           after={"subject": subject, "recipients": len(recipients), "left_out": len(left_out)},
           collaborative_id=collab.id)
    return announcement


def announcements_query(actor: Actor | None, collab: Collaborative) -> Select:
    """M4: a collaborative's announcements, newest first, for signed-in people who may see it."""
    require(actor, "signed_in")
    require_visible(actor, "collaborative.view", collab)
    return (select(Announcement).where(Announcement.collaborative_id == collab.id)
            .order_by(Announcement.sent_at.desc(), Announcement.id.desc()))


def latest_announcements(db: Session, actor: Actor | None, collab: Collaborative, limit: int = 3) -> list[Announcement]:
    return list(db.scalars(announcements_query(actor, collab).limit(limit)))
