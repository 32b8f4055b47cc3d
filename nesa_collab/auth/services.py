"""People, passwords, sign-in sessions and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import date, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..audit.services import record, snapshot
from ..clock import now_utc
from ..db import get_or_not_found, related_model
from ..errors import DomainError, PermissionDenied
from ..settings import Settings
from ..zones import known_zone
from . import throttle
from .models import ApiToken, AuthSession, Person, PersonRole, Role
from ..permissions import Actor, require, require_visible

MIN_PASSWORD_LENGTH = 10


def hasher(settings: Settings) -> PasswordHasher:
    return PasswordHasher(time_cost=settings.password_time_cost, memory_cost=settings.password_memory_cost)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- people ---------------------------------------------------------------------------------

def normalize_email(email: str, *, check_deliverability: bool = False) -> str:
    """N3: a syntactically valid address, stripped; uniqueness is case-insensitive."""
    try:
        return validate_email(email.strip(), check_deliverability=check_deliverability).normalized
    except EmailNotValidError as exc:
        raise DomainError("N3", f"{email!r} is not a valid email address ({exc})", field="email") from exc


def find_by_email(db: Session, email: str) -> Person | None:
    return db.scalar(select(Person).where(func.lower(Person.email) == email.strip().lower()))


def check_time_zone(name: str | None, field: str = "time_zone") -> str | None:
    if not name:
        return None
    if known_zone(name) is None:
        raise DomainError("M6", f"{name[:80]!r} is not an IANA time zone (e.g. Asia/Kolkata)", field=field)
    return name


def _person_snapshot(p: Person) -> dict:
    data = snapshot(p, ["name", "email", "school_id", "time_zone", "is_active"])
    data["roles"] = sorted(r.value for r in p.roles)
    return data


def create_person(
    db: Session,
    actor: Actor,
    *,
    name: str,
    email: str,
    school_id: int | None = None,
    roles: set[Role] | frozenset[Role] = frozenset({Role.MEMBER}),
    time_zone: str | None = None,
    password: str | None = None,
    settings: Settings | None = None,
) -> Person:
    """N3: add a person with a unique (case-insensitive) email, a home school and roles (the DPL)."""
    require(actor, "person.manage")
    name = name.strip()
    if not name:
        raise DomainError("N3", "a person needs a name", field="name")
    email = normalize_email(email)
    if find_by_email(db, email) is not None:
        raise DomainError("N3", f"{email} is already used by another person (emails are unique "
                          "whatever their case)", field="email")
    _check_school(db, school_id)
    person = Person(name=name, email=email, school_id=school_id, time_zone=check_time_zone(time_zone))
    person.role_rows = [PersonRole(role=Role(r).value) for r in sorted(set(roles))]
    if password is not None:
        person.password_hash = hash_password(password, settings or Settings())
    db.add(person)
    db.flush()
    record(db, actor, "person.create", person, f"Added {person.name}", after=_person_snapshot(person))
    return person


def _check_school(db: Session, school_id: int | None) -> None:
    if school_id is not None and db.get(related_model(Person.school), school_id) is None:
        raise DomainError("N1", "no such school", field="school_id")


#: What higher domains do when a person's home school changes, in the same transaction: each is called
#: as ``listener(db, person)``. ``create_app`` installs them (C10/O1: what a school owes follows its people).
SCHOOL_CHANGE_LISTENERS: list[Callable[[Session, Person], None]] = []


def update_person(
    db: Session,
    actor: Actor,
    person: Person,
    *,
    today: date,
    name: str | None = None,
    email: str | None = None,
    school_id: int | None | type(...) = ...,
    roles: set[Role] | None = None,
    time_zone: str | None | type(...) = ...,
    is_active: bool | None = None,
) -> Person:
    """Change a person's details or roles (the DPL; A1 records it). ``today`` stamps a change of
    school, which C10 compares with the person's Core terms."""
    require(actor, "person.manage")
    before = _person_snapshot(person)
    if name is not None:
        if not name.strip():
            raise DomainError("N3", "a person needs a name", field="name")
        person.name = name.strip()
    if email is not None:
        email = normalize_email(email)
        other = find_by_email(db, email)
        if other is not None and other.id != person.id:
            raise DomainError("N3", f"{email} is already used by another person", field="email")
        person.email = email
    if school_id is not ...:
        _check_school(db, school_id)
        if school_id != person.school_id:
            person.school_id = school_id
            person.school_changed_on = today
            db.flush()
            db.refresh(person, ["school"])
            for listener in SCHOOL_CHANGE_LISTENERS:
                listener(db, person)
    if roles is not None:
        wanted = {Role(r).value for r in roles}
        person.role_rows = [r for r in person.role_rows if r.role in wanted] + [
            PersonRole(role=r) for r in sorted(wanted - {r.role for r in person.role_rows})
        ]
    if time_zone is not ...:
        person.time_zone = check_time_zone(time_zone)
    if is_active is not None:
        person.is_active = is_active
    db.flush()
    after = _person_snapshot(person)
    if after != before:
        action = "person.roles" if before["roles"] != after["roles"] else "person.update"
        record(db, actor, action, person, f"Changed {person.name}", before=before, after=after)
    return person


# --- passwords and sign-in ------------------------------------------------------------------

def hash_password(password: str, settings: Settings) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(None, f"a password needs at least {MIN_PASSWORD_LENGTH} characters",
                          field="password")
    return hasher(settings).hash(password)


def set_own_time_zone(db: Session, actor: Actor, time_zone: str | None) -> Person:
    """M6: a person chooses the zone pages show them times in (None: their school's)."""
    require(actor, "signed_in")
    person = actor.person
    before = person.time_zone
    person.time_zone = check_time_zone(time_zone)
    if person.time_zone != before:
        record(db, actor, "person.update", person, f"{person.name} changed their time zone",
               before={"time_zone": before}, after={"time_zone": person.time_zone})
    return person


def set_password(db: Session, actor: Actor, person: Person, current: str | None, new: str, settings: Settings,
                 keep_session: str | None = None) -> None:
    """Change a password: one's own, giving the current one when there is one (the system may set
    anyone's). Every other signed-in session of the person ends (the browser that changed it,
    ``keep_session``, stays signed in), and every API token of the person is revoked: whoever held the
    old password may have made one."""
    if not actor.is_system:
        require(actor, "signed_in")
        if actor.id != person.id:
            raise PermissionDenied("People change their own password.")
        if person.password_hash and not _verify(person, current or "", settings):
            raise DomainError(None, "the current password is not right", field="current_password")
    person.password_hash = hash_password(new, settings)
    keep = _digest(keep_session) if keep_session else None
    for row in db.scalars(select(AuthSession).where(AuthSession.person_id == person.id,
                                                    AuthSession.revoked_at.is_(None))):
        if row.key_hash != keep:
            row.revoked_at = now_utc()
    tokens = list(db.scalars(select(ApiToken).where(ApiToken.person_id == person.id, ApiToken.revoked_at.is_(None))))
    for token in tokens:
        token.revoked_at = now_utc()
    record(db, actor, "person.password", person, f"Password of {person.name} changed"
           + (f"; {len(tokens)} API token(s) revoked" if tokens else ""))


def _verify(person: Person, password: str, settings: Settings) -> bool:
    if not person.password_hash:
        return False
    try:
        hasher(settings).verify(person.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    return True


class Throttled(DomainError):
    """Too many failed sign-ins: try again after ``retry_after`` seconds."""

    status = 429

    def __init__(self, rule, message, field=None, retry_after: int = 1):
        super().__init__(rule, message, field=field)
        self.retry_after = retry_after


def authenticate(db: Session, email: str, password: str, ip: str | None, settings: Settings) -> Person:
    """Check an email and password, after the throttle's wait (``auth.throttle``).

    A failure is recorded before the error is raised: the caller must commit it anyway (the web
    layer's ``keep_changes``), or the throttle would never count anything.
    """
    key = email.strip().lower()
    wait = throttle.wait_before_attempt(db, key, ip, settings)
    if wait:
        seconds = throttle.seconds(wait)
        raise Throttled(None, f"Too many failed sign-ins. Try again in {seconds} second{'s' if seconds != 1 else ''}.",
                        field="email", retry_after=seconds)
    person = find_by_email(db, key)
    ok = person is not None and person.is_active and _verify(person, password, settings)
    if not ok and person is None:
        hasher(settings).hash(password or "x")  # the same work as a real check: no timing hint
    throttle.record(db, key, ip, ok)
    if not ok:
        raise DomainError(None, "That email and password do not match.", field="password")
    if hasher(settings).check_needs_rehash(person.password_hash):
        person.password_hash = hasher(settings).hash(password)
    return person


def start_session(db: Session, person: Person, settings: Settings) -> str:
    """Create a sign-in session and return the key to keep in the (signed) cookie."""
    key = secrets.token_urlsafe(32)
    db.add(AuthSession(key_hash=_digest(key), person_id=person.id,
                       expires_at=now_utc() + timedelta(days=settings.session_days)))
    return key


def person_for_session(db: Session, key: str | None) -> Person | None:
    if not key:
        return None
    # One statement for the session, the person and their school (every request asks it), then
    # their roles.
    return db.scalar(select(Person).join(AuthSession, AuthSession.person_id == Person.id).where(
        AuthSession.key_hash == _digest(key), AuthSession.revoked_at.is_(None), AuthSession.expires_at > now_utc(),
        Person.is_active.is_(True)).options(selectinload(Person.role_rows)))


def end_session(db: Session, key: str | None) -> None:
    if key:
        row = db.scalar(select(AuthSession).where(AuthSession.key_hash == _digest(key)))
        if row is not None and row.revoked_at is None:
            row.revoked_at = now_utc()


# --- API tokens -----------------------------------------------------------------------------

TOKEN_PREFIX = "nesa_"


def create_token(db: Session, actor: Actor, person: Person, name: str) -> tuple[ApiToken, str]:
    """A new API token for ``person`` (one's own; from a browser, never with another token). The
    secret is returned once and only its hash is kept."""
    if actor.by_token:
        raise PermissionDenied("Create API tokens from a signed-in browser session (your profile page), "
                               "not with another token.")
    require(actor, "token.create", person.id)
    name = name.strip()
    if not name:
        raise DomainError(None, "give the token a name (what it is for)", field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(person_id=person.id, name=name[:100], token_hash=_digest(secret), prefix=secret[:12])
    db.add(token)
    record(db, actor, "token.create", token, f"API token {name!r} created for {person.name}")
    return token, secret


def revoke_token(db: Session, actor: Actor, token_id: int) -> ApiToken:
    """Revoke one's own API token (the DPL: anyone's); others' tokens are not revealed."""
    token = get_or_not_found(db, ApiToken, token_id)
    require_visible(actor, "token.manage", token)
    if token.revoked_at is None:
        token.revoked_at = now_utc()
        record(db, actor, "token.revoke", token, f"API token {token.name!r} revoked")
    return token


def person_for_token(db: Session, secret: str) -> Person | None:
    token = db.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None or not token.person.is_active:
        return None
    now = now_utc()
    if token.last_used_at is None or now - token.last_used_at > timedelta(hours=1):
        token.last_used_at = now
    return token.person


def tokens_of(db: Session, actor: Actor, person: Person) -> list[ApiToken]:
    require(actor, "token.manage", person.id)
    return list(db.scalars(select(ApiToken).where(ApiToken.person_id == person.id)
                           .order_by(ApiToken.created_at.desc())))


# --- the actor --------------------------------------------------------------------------------

def actor_for(person: Person, *, core_of: frozenset[int], member_of: frozenset[int],
              by_token: bool = False) -> Actor:
    """The actor for a signed-in ``person``, with the facts higher domains derive ("Core member"
    follows the appointments current today, C1); ``nesa_collab.domains.load_actor`` gathers them."""
    return Actor(person=person, roles=person.roles, core_of=core_of, member_of=member_of, by_token=by_token)


# --- people (the DPL's and staff's lists) ---------------------------------------------------------

def parse_roles(values: list[str]) -> set[Role]:
    try:
        return {Role(v) for v in values}
    except ValueError:
        raise DomainError("N3", "unknown role", field="roles") from None


def people_query(actor: Actor, search: str | None = None, role: str | None = None,
                 school_slug: str | None = None, country: str | None = None) -> Select:
    """N3: people by name, for staff (emails are never shown to the public), filtered in SQL by role,
    school (its slug) and the country of their school; a search matches names and emails."""
    require(actor, "person.view")
    School = related_model(Person.school)  # noqa: N806 - a model class
    stmt = select(Person).order_by(Person.name, Person.id)
    if search and search.strip():
        like = f"%{search.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Person.name).like(like), func.lower(Person.email).like(like)))
    if role:
        stmt = stmt.where(Person.id.in_(select(PersonRole.person_id).where(PersonRole.role == role)))
    if school_slug and school_slug.strip():
        stmt = stmt.where(Person.school_id.in_(select(School.id).where(School.slug == school_slug.strip())))
    if country and country.strip():
        stmt = stmt.where(Person.school_id.in_(
            select(School.id).where(func.lower(School.country) == country.strip().lower())))
    return stmt


def get_person(db: Session, actor: Actor, person_id: int) -> Person:
    require(actor, "person.view")
    person = get_or_not_found(db, Person, person_id)
    return person


def school_countries(db: Session) -> list[str]:
    """The countries of the member schools, for the people list's filter (as many rows as countries)."""
    School = related_model(Person.school)  # noqa: N806 - a model class
    return list(db.scalars(select(School.country).group_by(School.country).order_by(School.country)))


def school_id_for(db: Session, slug: str | None) -> int | None:
    """N3: the id of the home school a person form names by its short name (slug); empty: none
    (network staff). One lookup, so the form never lists every school."""
    if not slug or not slug.strip():
        return None
    School = related_model(Person.school)  # noqa: N806 - a model class
    school_id = db.scalar(select(School.id).where(School.slug == slug.strip().lower()))
    if school_id is None:
        raise DomainError("N1", f"there is no school with the short name {slug.strip()!r}; find it on the "
                          "schools page", field="school")
    return school_id
