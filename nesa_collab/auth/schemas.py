"""Input and output shapes for people, sign-in and tokens (forms and the API share them)."""

from __future__ import annotations

from typing import Annotated, ClassVar
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SignInForm(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=500)
    next: str | None = Field(default=None, max_length=2000)


class PasswordForm(BaseModel):
    current_password: str = Field(default="", max_length=500)
    new_password: str = Field(min_length=10, max_length=500)
    confirm_password: str = Field(max_length=500)


class ProfileForm(BaseModel):
    rule: ClassVar[str] = "M6"
    time_zone: str | None = Field(default=None, max_length=64)


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class PersonIn(BaseModel):
    rule: ClassVar[str] = "N3"
    name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=320)
    school_id: int | None = None
    school: str | None = Field(default=None, max_length=80,
                               description="the home school's slug (instead of school_id); empty: network staff")
    roles: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=lambda: ["member"], max_length=10)
    time_zone: str | None = Field(default=None, max_length=64)


class PersonUpdate(BaseModel):
    rule: ClassVar[str] = "N3"
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    school_id: int | None = None
    roles: list[Annotated[str, Field(max_length=40)]] | None = Field(default=None, max_length=10)
    time_zone: str | None = Field(default=None, max_length=64)
    is_active: bool | None = None


class SchoolRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    slug: str
    name: str


class PersonOut(BaseModel):
    """A person as staff see them (emails are never shown to the public, N3)."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    email: str
    school: SchoolRef | None
    roles: list[str]
    time_zone: str | None
    is_active: bool


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret; shown only this once.")


class MeOut(BaseModel):
    person: PersonOut
    core_of: list[int]
    member_of: list[int]
    time_zone: str
