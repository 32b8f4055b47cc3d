"""Input and output shapes for mail preferences and the digest (forms and the API)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class MailPreferencesIn(BaseModel):
    wants_digest: bool | None = Field(default=None, description="the daily digest of what is waiting for you "
                                                                 "(left out: unchanged)")
    wants_announcements: bool | None = Field(default=None, description="your collaboratives' announcements "
                                                                        "(left out: unchanged)")


class MailPreferencesOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    wants_digest: bool
    wants_announcements: bool


class DigestItemOut(BaseModel):
    section: str
    title: str
    detail: str
    url: str = Field(description="where to act")
    since: date = Field(description="the day it started waiting")
    new: bool = Field(description="new since yesterday's digest")


class DigestOut(BaseModel):
    day: date
    items: list[DigestItemOut]
