"""People and how they prove who they are."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import (CheckConstraint, ForeignKey, Index, String, UniqueConstraint, func)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now_utc
from ..db import Base, EnumText, UTCDateTime, enum_check
from ..permissions import ROLE_LABELS, Role  # noqa: F401 - people hold these roles



class Person(Base):
    """N3: a person has a name, a unique email (case-insensitive), a home school and roles."""

    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        # The people list reads a page in this order (without it, sorting every person per page).
        Index("ix_people_name_id", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    #: The zone pages show times in; None means the home school's zone (or the network's).
    time_zone: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    #: When the home school last changed (C10 compares it with Core terms).
    school_changed_on: Mapped[date | None]

    #: The home school (the network package, which builds on people, defines schools: named, not imported).
    school: Mapped["School | None"] = relationship("School", back_populates="people", lazy="joined")  # noqa: F821
    role_rows: Mapped[list["PersonRole"]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_dpl(self) -> bool:
        return Role.DPL in self.roles

    def zone_name(self, network_zone: str) -> str:
        """M6: the viewer's zone: their own setting, else their school's, else the network's."""
        if self.time_zone:
            return self.time_zone
        if self.school is not None:
            return self.school.time_zone
        return network_zone

    def zone(self, network_zone: str) -> ZoneInfo:
        return ZoneInfo(self.zone_name(network_zone))

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.email}>"


# N3: emails are unique whatever their case.
Index("uq_people_email_lower", func.lower(Person.email), unique=True)


class PersonRole(Base):
    __tablename__ = "person_roles"
    __table_args__ = (
        UniqueConstraint("person_id", "role", name="uq_person_roles_person_role"),
        enum_check("role", Role, name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(EnumText(Role, 32))

    person: Mapped[Person] = relationship(back_populates="role_rows")


class AuthSession(Base):
    """A signed-in browser. The cookie carries only the id; revoking the row signs it out."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: sha256 of the random session key kept in the signed cookie.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()


class ApiToken(Base):
    """A bearer token for the JSON API. Only its hash is stored; it is shown once on creation."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters of the token, so people can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class SignInAttempt(Base):
    """Failed sign-ins, counted by the throttle (kept in the database so every process sees them)."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (Index("ix_sign_in_attempts_email_at", "email", "at"), Index("ix_sign_in_attempts_ip_at", "ip", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    ip: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    succeeded: Mapped[bool] = mapped_column(default=False)
