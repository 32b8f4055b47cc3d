"""The one permission check, below every domain (each asks it). Services ask ``require()`` / ``can()`` with the thing acted upon; routes
declare a permission without a target (it drives the OpenAPI document and the permission matrix).

A permission is a name; its policy decides from the actor (who is asking, with their roles and the
Cores they currently serve on) and, for most permissions, the target. Targets are read by their
attributes only (a collaborative's ``id`` and ``status``, a meeting's ``status`` and
``collaborative``), so this module imports no other domain.

Who may act:
- a person, loaded once per request with the facts the policies need (``Actor``);
- nobody signed in: ``None`` (the policies decide what a visitor may see; every write is refused);
- the installation itself (the command line, the seed, the scheduler): ``SYSTEM``, which may do
  anything and appears in the audit log as "System". No service treats ``None`` as the system.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from enum import StrEnum

from .errors import NotFound, PermissionDenied, SignInRequired


class Role(StrEnum):
    """N3: the roles a person can hold. "Core member" is not stored: it follows appointments."""

    DPL = "dpl"
    EXECUTIVE_DIRECTOR = "executive_director"
    PDAC = "pdac"
    CENTER_STAFF = "center_staff"
    MEMBER = "member"
    SCHOOL_COORDINATOR = "school_coordinator"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.DPL: "Director of Professional Learning",
    Role.EXECUTIVE_DIRECTOR: "Executive Director",
    Role.PDAC: "PDAC member",
    Role.CENTER_STAFF: "Center staff",
    Role.MEMBER: "Member",
    Role.SCHOOL_COORDINATOR: "School coordinator",
}


@dataclass(frozen=True)
class Actor:
    """Who is acting, with the facts permissions need, loaded once per request."""

    #: The person acting (an ``auth.models.Person``: read by attribute, as every target here);
    #: None only for ``SYSTEM``.
    person: Any
    roles: frozenset[Role] = frozenset()
    #: ids of the collaboratives whose Core this person serves on today (derived role).
    core_of: frozenset[int] = field(default_factory=frozenset)
    #: ids of collaboratives this person is a current member of.
    member_of: frozenset[int] = field(default_factory=frozenset)
    is_system: bool = False
    #: Whether the person came with an API bearer token rather than a signed-in browser.
    by_token: bool = False

    @property
    def id(self) -> int | None:
        """The acting person's id (None for the system, which the audit log names "System")."""
        return self.person.id if self.person is not None else None

    @property
    def is_dpl(self) -> bool:
        return self.is_system or Role.DPL in self.roles

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def school_is_active(self) -> bool:
        school = self.person.school if self.person is not None else None
        return school is not None and school.is_active

    @property
    def school_id(self) -> int | None:
        return self.person.school_id if self.person is not None else None

    @property
    def is_core_member(self) -> bool:
        return bool(self.core_of)


#: The installation acting on its own: the command line, the seed, the scheduler.
SYSTEM = Actor(person=None, is_system=True)

Policy = Callable[[Actor | None, Any], bool]


def _id(target: Any) -> Any:
    return getattr(target, "id", target)


def _signed_in(a: Actor | None, _t: Any) -> bool:
    return a is not None


def _roles(*roles: Role) -> Policy:
    def policy(a: Actor | None, _t: Any) -> bool:
        return a is not None and a.has(*roles)

    policy.roles = roles  # type: ignore[attr-defined]
    return policy


OVERSEERS = (Role.DPL, Role.EXECUTIVE_DIRECTOR, Role.PDAC, Role.CENTER_STAFF)


def _educator(a: Actor | None, _t: Any) -> bool:
    """An educator of an active member school (K2, K4)."""
    return a is not None and a.school_is_active


def _core_or_dpl(a: Actor | None, target: Any) -> bool:
    """The DPL, or a current Core member of the target collaborative (any Core, asked without one)."""
    if a is None:
        return False
    if a.is_dpl:
        return True
    return a.is_core_member if target is None else _id(target) in a.core_of


def _core_of(a: Actor | None, target: Any) -> bool:
    """A current Core member of the target collaborative (any Core, when asked without a target)."""
    if a is None:
        return False
    return a.is_core_member if target is None else _id(target) in a.core_of


def _oversight_or_core(a: Actor | None, target: Any) -> bool:
    """M4: the DPL, Executive Director, PDAC and Center staff, or the target collaborative's Core."""
    return _roles(*OVERSEERS)(a, target) or _core_of(a, target)


def _collaborative_visible(a: Actor | None, target: Any) -> bool:
    """K1: an active collaborative is public; a forming or retired one is seen by signed-in people."""
    return target is None or target.status == "active" or a is not None


def _meeting_visible(a: Actor | None, target: Any) -> bool:
    """M2: a published or cancelled meeting is as visible as its collaborative (public while active);
    a draft only to those who may edit it. ``target`` is a meeting (or None: "meetings in general")."""
    if target is None:
        return True
    if target.status == "draft":
        return _core_or_dpl(a, target.collaborative)
    return _collaborative_visible(a, target.collaborative)


def _minutes_visible(a: Actor | None, target: Any) -> bool:
    """M4: the minutes and attendance of a meeting one may see, for signed-in people."""
    return a is not None and _meeting_visible(a, target)


def _rsvp(a: Actor | None, target: Any) -> bool:
    """A member or Core member of the meeting's collaborative (``target`` is a meeting; asked without
    one: a member or Core member of any), who may see the meeting."""
    if a is None:
        return False
    if target is None:
        return bool(a.member_of or a.core_of)
    collab_id = target.collaborative_id
    return (collab_id in a.member_of or collab_id in a.core_of) and _meeting_visible(a, target)


def _self_or_dpl(a: Actor | None, target: Any) -> bool:
    """The person themselves (``target`` is a person id, or has ``person_id``), or the DPL."""
    if a is None:
        return False
    person_id = getattr(target, "person_id", target)
    return a.is_dpl or target is None or person_id == a.id


def _candidacy_party(a: Actor | None, target: Any) -> bool:
    """C9: the candidate, whoever nominated them, or the DPL."""
    if a is None:
        return False
    return a.is_dpl or target is None or a.id in (target.person_id, target.nominated_by_id)


def _consulted_body(a: Actor | None, target: Any) -> bool:
    """C1: the body a consultation request asks answers it — the Executive Director the Executive
    Director's, a PDAC member the PDAC's (``target`` is the request, read by its ``body``, whose values
    are the roles' names); asked without one: whoever holds either role."""
    if a is None:
        return False
    if target is None:
        return a.has(Role.EXECUTIVE_DIRECTOR, Role.PDAC)
    return str(target.body) in {r.value for r in a.roles & {Role.EXECUTIVE_DIRECTOR, Role.PDAC}}


def _feed_owner(a: Actor | None, target: Any) -> bool:
    """M5: one's own secret link; a school's link: its coordinators; any link: the DPL.
    ``target`` is a ``FeedOwner`` (or a feed-token row, which has ``kind``, ``person_id``, ``school_id``)."""
    if a is None:
        return False
    if a.is_dpl or target is None:
        return True
    if target.kind == "person":
        return target.person_id == a.id
    return a.has(Role.SCHOOL_COORDINATOR) and a.school_id is not None and target.school_id == a.school_id


def _claim_party(a: Actor | None, target: Any) -> bool:
    """S3: a hotel-night claim is seen by its claimant, Center staff and the DPL. ``target`` is a
    claim (it has ``person_id``), or None: "one's own claims" (anyone signed in may have some)."""
    if a is None:
        return False
    if target is None or a.is_dpl or a.has(Role.CENTER_STAFF):
        return True
    return target.person_id == a.id


def _school_of(target: Any) -> Any:
    """The school an obligation target belongs to: an obligation's school, or the school itself."""
    return target.school_id if hasattr(target, "school_id") else _id(target)


def _coordinator_of(a: Actor, target: Any) -> bool:
    """O3: a coordinator of the target's school (of any school, asked without a target)."""
    if not a.has(Role.SCHOOL_COORDINATOR) or a.school_id is None:
        return False
    return target is None or _school_of(target) == a.school_id


def _obligation_view(a: Actor | None, target: Any) -> bool:
    """O3: a school's obligations (``target``: the school, or one obligation) are seen by its
    coordinators, the DPL and Center staff (who read them across the network)."""
    if a is None:
        return False
    return a.is_dpl or a.has(Role.CENTER_STAFF) or _coordinator_of(a, target)


def _obligation_decide(a: Actor | None, target: Any) -> bool:
    """O3: the school's coordinators confirm or decline its obligations; the DPL may too."""
    if a is None:
        return False
    return a.is_dpl or _coordinator_of(a, target)


#: F1–F8: the rules whose flags a Core's members see for their own Core (the DPL's about the Core, and
#: the Core's own); claims (F6) and what schools owe (F7) are their parties' business.
CORE_FLAG_RULES = frozenset({"F1", "F2", "F3", "F4", "F5", "F8"})


def _acts_on_flag(a: Actor, target: Any) -> bool:
    """F1–F8: whether ``a`` is among those who must act on the flag ``target`` (its ``audience``: a
    Core, Center staff, a school's coordinators; the DPL acts on every flag but the Cores' agendas)."""
    audience = target.audience
    if audience == "core":
        return target.audience_id in a.core_of or (a.is_dpl and target.rule != "F5")
    if audience == "center_staff":
        return a.has(Role.CENTER_STAFF) or a.is_dpl
    if audience == "coordinator":
        return (a.has(Role.SCHOOL_COORDINATOR) and a.school_id is not None and target.audience_id == a.school_id) \
            or a.is_dpl
    return a.is_dpl


def _may_see_some_flag(a: Actor) -> bool:
    return a.is_dpl or a.is_core_member or a.has(Role.CENTER_STAFF, Role.SCHOOL_COORDINATOR)


def _flag_view(a: Actor | None, target: Any) -> bool:
    """F1–F8: the DPL sees every flag; a Core's members their Core's (not its claims or what schools
    owe); Center staff and a school's coordinators those they must act on. ``target``: a flag (or
    None: "some flag")."""
    if a is None:
        return False
    if a.is_dpl:
        return True
    if target is None:
        return _may_see_some_flag(a)
    return _acts_on_flag(a, target) or (target.collaborative_id in a.core_of and target.rule in CORE_FLAG_RULES)


def _flag_acknowledge(a: Actor | None, target: Any) -> bool:
    """F1–F8: those who must act on a flag acknowledge it (the DPL any)."""
    if a is None:
        return False
    if a.is_dpl:
        return True
    return _may_see_some_flag(a) if target is None else _acts_on_flag(a, target)


@dataclass(frozen=True)
class FeedOwner:
    """Whose secret calendar link is meant: a person's (``kind="person"``) or a school's."""

    kind: str
    person_id: int | None = None
    school_id: int | None = None


#: Every permission in the product. A route names one; the permission-matrix test walks them.
POLICIES: dict[str, Policy] = {
    "public": lambda a, t: True,
    "signed_in": _signed_in,
    # Network (N1–N3)
    "school.view": _signed_in,
    "school.manage": _roles(Role.DPL),
    "person.view": _roles(Role.DPL, Role.EXECUTIVE_DIRECTOR, Role.CENTER_STAFF),
    "person.manage": _roles(Role.DPL),
    "token.manage": _self_or_dpl,
    # A token cannot mint tokens: a leaked one must not outlive its own revocation.
    "token.create": lambda a, t: _self_or_dpl(a, t) and not a.by_token,
    # Collaboratives (K1–K4)
    "collaborative.view": _collaborative_visible,
    "collaborative.manage": _roles(Role.DPL),
    "interest.register": _educator,
    "interest.view": _signed_in,
    "interest.convert": _roles(Role.DPL),
    "membership.join": _educator,
    "membership.leave": _self_or_dpl,
    "norms.edit": _core_or_dpl,
    # Cores (C1–C10)
    "core.view": _signed_in,
    "core.oversee": _roles(Role.DPL, Role.EXECUTIVE_DIRECTOR, Role.PDAC),
    "core.manage": _roles(Role.DPL),
    "core.apply": _educator,
    "core.nominate": lambda a, t: _educator(a, t) or (a is not None and a.is_dpl),
    "candidacy.withdraw": _candidacy_party,
    "consultation.answer": _consulted_body,
    # Plans (P1–P5) and updates and proposals (M4)
    "plan.view": _signed_in,
    "plan.edit": _core_or_dpl,
    "plan.review": _roles(Role.DPL),
    "template.manage": _roles(Role.DPL),
    "post.view": _oversight_or_core,
    "post.create": _core_of,
    "proposal.answer": _roles(Role.DPL),
    # Conferences, meetings, agendas, calendars (S1, M1–M6)
    "conference.manage": _roles(Role.CENTER_STAFF, Role.DPL),
    "meeting.view": _meeting_visible,
    "minutes.view": _minutes_visible,
    "rsvp.answer": _rsvp,
    "rsvp.view": _minutes_visible,
    "meeting.edit": _core_or_dpl,
    "agenda.edit": _core_or_dpl,
    "feed.manage": _feed_owner,
    # Member schools' obligations (O1–O3)
    "obligation.view": _obligation_view,
    "obligation.decide": _obligation_decide,
    "obligation.oversee": _roles(Role.DPL, Role.CENTER_STAFF),
    # Hotel-night reimbursements (S3): a Core member claims (the service checks the meeting's Core on
    # the meeting day); the claimant, Center staff and the DPL see a claim; Center staff decide and pay.
    "claim.submit": _core_of,
    "claim.view": _claim_party,
    "claim.decide": _roles(Role.CENTER_STAFF, Role.DPL),
    # Mail: one's own preferences (the digest, announcements); a Core announces to its collaborative's
    # members (M4: the Core of that collaborative, and the DPL).
    "mail.preferences": _self_or_dpl,
    "announcement.send": _core_or_dpl,
    # Flags (F1–F8): seen and acknowledged by those who must act; the DPL runs the sweep on demand.
    "flag.view": _flag_view,
    "flag.acknowledge": _flag_acknowledge,
    "sweep.run": _roles(Role.DPL),
    # Audit (A1)
    "audit.view": _roles(Role.DPL),
}


def can(actor: Actor | None, permission: str, target: Any = None) -> bool:
    """Whether ``actor`` (None: nobody signed in) holds ``permission`` (on ``target``, if it matters)."""
    try:
        policy = POLICIES[permission]
    except KeyError:
        raise KeyError(f"unknown permission {permission!r}") from None
    if actor is not None and actor.is_system:
        return True
    return policy(actor, target)


def require(actor: Actor | None, permission: str, target: Any = None) -> None:
    """Raise SignInRequired (nobody signed in) or PermissionDenied unless ``can()``."""
    if can(actor, permission, target):
        return
    if actor is None:
        raise SignInRequired()
    raise PermissionDenied()


def require_visible(actor: Actor | None, permission: str, target: Any) -> None:
    """Like ``require``, for things whose existence is not revealed to those who may not see them
    (a draft meeting, someone else's secret link): refused as NotFound."""
    if not can(actor, permission, target):
        raise NotFound()
