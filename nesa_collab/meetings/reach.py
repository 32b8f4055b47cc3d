"""M2/M5: whom cancelling a meeting, or one occurrence of a series, reaches, so that the page asking
first can say it: whose calendars mark it cancelled and who is told.

A meeting is in the personal calendar of each current member and Core member of its collaborative
(``feeds.person_collaboratives``), in its collaborative's public calendar while that is active, and,
beside a conference, behind the release days schools owe (O1). Those it was sent to as an invitation
are sent the cancellation (a whole meeting) or an update (an occurrence) by email
(``invitations.meeting_changed``); nobody else is sent a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..cores import services as cores
from ..network.models import Membership
from ..permissions import Actor, require
from .models import FeedKind, FeedToken, Meeting, MeetingInvitation


@dataclass(frozen=True)
class Reach:
    """Whose calendars show a meeting and who is told when it is cancelled."""

    #: Its collaborative's current members and Core members: their personal calendars show it.
    people: int
    #: Of them, those who subscribe to their personal calendar (a secret link that works).
    subscribed: int
    #: Those it was sent to as an invitation (not cancelled yet): they are told by email.
    invited: int
    #: Whether its collaborative's public calendar carries it (M5: while the collaborative is active).
    public_feed: bool
    #: S2/O1: a planning meeting beside a conference: schools owe release days for it.
    planning: bool


def cancellation_reach(db: Session, actor: Actor, meeting: Meeting, today: date) -> Reach:
    """M2/M5: whom cancelling ``meeting`` (or one of its occurrences) reaches on ``today``; for those
    who may cancel it."""
    require(actor, "meeting.edit", meeting.collaborative)
    members = select(Membership.person_id).where(Membership.collaborative_id == meeting.collaborative_id,
                                                 Membership.left_on.is_(None))
    core = cores.core_people_query(meeting.collaborative_id, today)
    people = members.union(core).subquery()
    subscribed = (select(func.count(func.distinct(FeedToken.person_id)))
                  .where(FeedToken.kind == FeedKind.PERSON, FeedToken.revoked_at.is_(None),
                         or_(FeedToken.person_id.in_(members), FeedToken.person_id.in_(core))))
    invited = (select(func.count()).select_from(MeetingInvitation)
               .where(MeetingInvitation.meeting_id == meeting.id, MeetingInvitation.cancelled_at.is_(None)))
    return Reach(people=db.scalar(select(func.count()).select_from(people)) or 0,
                 subscribed=db.scalar(subscribed) or 0, invited=db.scalar(invited) or 0,
                 public_feed=meeting.collaborative.is_active, planning=meeting.is_planning)
