"""The one permission check. Pages, the API and the CLI all ask ``can()`` / ``require()``.

A permission is a name; its policy decides from the actor (who is asking, with their roles and
the Cores they currently serve on) and, for some permissions, the thing acted upon.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import PermissionDenied, SignInRequired
from .models import Person, Role


@dataclass(frozen=True)
class Actor:
    """Who is acting, with the facts permissions need, loaded once per request."""

    person: Person
    roles: frozenset[Role]
    #: ids of the collaboratives whose Core this person serves on today (derived role).
    core_of: frozenset[int] = field(default_factory=frozenset)
    #: ids of collaboratives this person is a current member of.
    member_of: frozenset[int] = field(default_factory=frozenset)

    @property
    def id(self) -> int:
        return self.person.id

    @property
    def is_dpl(self) -> bool:
        return Role.DPL in self.roles

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def school_is_active(self) -> bool:
        return self.person.school is not None and self.person.school.is_active

    @property
    def is_core_member(self) -> bool:
        return bool(self.core_of)


Policy = Callable[[Actor | None, Any], bool]


def _signed_in(a: Actor | None, _t: Any) -> bool:
    return a is not None


def _roles(*roles: Role) -> Policy:
    def policy(a: Actor | None, _t: Any) -> bool:
        return a is not None and a.has(*roles)

    policy.roles = roles  # type: ignore[attr-defined]
    return policy


def _educator(a: Actor | None, _t: Any) -> bool:
    """An educator of an active member school (K2, K4)."""
    return a is not None and a.school_is_active


def _core_or_dpl(a: Actor | None, target: Any) -> bool:
    """The DPL, or a current Core member of the target collaborative (``target`` has ``.id``)."""
    if a is None:
        return False
    if a.is_dpl:
        return True
    if target is None:
        return a.is_core_member
    return getattr(target, "id", target) in a.core_of


def _core_of(a: Actor | None, target: Any) -> bool:
    """A current Core member of the target collaborative (any Core, when asked without a target)."""
    if a is None:
        return False
    if target is None:
        return a.is_core_member
    return getattr(target, "id", target) in a.core_of


def _oversight_or_core(a: Actor | None, target: Any) -> bool:
    """M4: the DPL, Executive Director, PDAC and Center staff, or the target collaborative's Core."""
    return _roles(Role.DPL, Role.EXECUTIVE_DIRECTOR, Role.PDAC, Role.CENTER_STAFF)(a, target) or _core_of(a, target)


def _meeting_visible(a: Actor | None, target: Any) -> bool:
    """M2: a published or cancelled meeting is as visible as its collaborative (public while active);
    a draft only to those who may edit it. ``target`` is a meeting (or None: "meetings in general")."""
    if target is None:
        return True
    collab = target.collaborative
    if target.status == "draft":
        return _core_or_dpl(a, collab)
    return collab.status == "active" or a is not None


def _self_or_dpl(a: Actor | None, target: Any) -> bool:
    """The person themselves (``target`` is a person id), or the DPL."""
    if a is None:
        return False
    return a.is_dpl or target is None or target == a.id


#: Every permission in the product. A route names one; the permission-matrix test walks them.
POLICIES: dict[str, Policy] = {
    "public": lambda a, t: True,
    "signed_in": _signed_in,
    # Network (N1–N3)
    "school.view": _signed_in,
    "school.manage": _roles(Role.DPL),
    "person.view": _roles(Role.DPL, Role.EXECUTIVE_DIRECTOR, Role.CENTER_STAFF),
    "person.manage": _roles(Role.DPL),
    # Collaboratives (K1–K4)
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
    "meeting.edit": _core_or_dpl,
    "agenda.edit": _core_or_dpl,
    "feed.manage": _signed_in,
    # Audit (A1)
    "audit.view": _roles(Role.DPL),
}


def can(actor: Actor | None, permission: str, target: Any = None) -> bool:
    """Whether ``actor`` (None: anonymous) holds ``permission`` (on ``target``, if it matters)."""
    try:
        policy = POLICIES[permission]
    except KeyError:
        raise KeyError(f"unknown permission {permission!r}") from None
    return policy(actor, target)


def require(actor: Actor | None, permission: str, target: Any = None) -> None:
    """Raise SignInRequired (anonymous) or PermissionDenied unless ``can()``."""
    if can(actor, permission, target):
        return
    if actor is None:
        raise SignInRequired()
    raise PermissionDenied()
