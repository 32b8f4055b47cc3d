"""Input and output shapes for schools, collaboratives, interests, norms and memberships."""

from __future__ import annotations

from typing import Annotated, ClassVar
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class SchoolIn(BaseModel):
    rule: ClassVar[str] = "N1"
    name: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=100)
    country: str = Field(default="", max_length=100)
    time_zone: str = Field(default="", max_length=64, description="IANA zone, e.g. Asia/Kolkata")
    weekend: list[Annotated[str, Field(max_length=10)]] = Field(default_factory=lambda: ["sat", "sun"], max_length=7, description="e.g. [\"fri\", \"sat\"]")
    slug: str | None = Field(default=None, max_length=80)


class SchoolUpdate(BaseModel):
    rule: ClassVar[str] = "N1"
    name: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    country: str | None = Field(default=None, max_length=100)
    time_zone: str | None = Field(default=None, max_length=64)
    weekend: list[Annotated[str, Field(max_length=10)]] | None = Field(default=None, max_length=7)


class LapseIn(BaseModel):
    rule: ClassVar[str] = "N2"
    lapsed_on: date


class SchoolOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    slug: str
    name: str
    city: str
    country: str
    time_zone: str
    weekend_days: list[str]
    status: str
    lapsed_on: date | None


class CollaborativeIn(BaseModel):
    rule: ClassVar[str] = "K1"
    name: str = Field(default="", max_length=200)
    kind: str = Field(default="", max_length=40, description="discipline or responsibility")
    description: str = Field(default="", max_length=5000)
    network_url: str | None = Field(default=None, max_length=500)
    slug: str | None = Field(default=None, max_length=80)


class CollaborativeUpdate(BaseModel):
    rule: ClassVar[str] = "K1"
    name: str | None = Field(default=None, max_length=200)
    kind: str | None = Field(default=None, max_length=40)
    description: str | None = Field(default=None, max_length=5000)
    network_url: str | None = Field(default=None, max_length=500)


class CollaborativeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    slug: str
    name: str
    kind: str
    description: str
    status: str
    network_url: str | None
    forming_since: date | None
    activated_on: date | None
    retired_on: date | None


class SchoolBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    slug: str
    name: str
    city: str
    country: str


class DirectoryEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    collaborative: CollaborativeOut
    member_count: int
    schools: list[SchoolBrief]


class InterestIn(BaseModel):
    rule: ClassVar[str] = "K2"
    name: str = Field(default="", max_length=200)
    kind: str = Field(default="", max_length=40, description="discipline or responsibility")
    description: str = Field(default="", max_length=5000)


class ConvertIn(BaseModel):
    rule: ClassVar[str] = "K2"
    name: str | None = Field(default=None, max_length=200)
    slug: str | None = Field(default=None, max_length=80)
    description: str | None = Field(default=None, max_length=5000)
    network_url: str | None = Field(default=None, max_length=500)


class DeclineIn(BaseModel):
    rule: ClassVar[str] = "K2"
    note: str = Field(default="", max_length=2000)


class PersonBrief(BaseModel):
    """A person as any signed-in user sees them: no email (N3)."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    school: SchoolBrief | None


class InterestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    kind: str
    description: str
    status: str
    created_at: datetime
    proposed_by: PersonBrief
    collaborative_id: int | None
    decision_note: str | None


class NormsIn(BaseModel):
    rule: ClassVar[str] = "K3"
    text: str = Field(default="", max_length=20000)
    summary: str = Field(default="", max_length=300)


class NormsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    text: str
    summary: str
    created_at: datetime
    author: PersonBrief | None


class LeaveIn(BaseModel):
    """Members leave today (K4); before two years a reason is required."""

    rule: ClassVar[str] = "K4"
    reason: str | None = Field(default=None, max_length=2000)


class MembershipOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    person: PersonBrief
    collaborative_id: int
    joined_on: date
    left_on: date | None
    leave_reason: str | None
