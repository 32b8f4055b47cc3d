"""Input and output shapes of flags (F1–F8) and sweep runs, for the forms and the API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from .models import Flag, SweepRun


class AcknowledgeIn(BaseModel):
    """F1–F8: an acknowledgement's note (a refusal names the flag's own rule)."""

    note: str = Field(default="", max_length=2000, description="what is being done, or why it can wait (up to 2,000 characters)")


class PersonRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str


class SubjectOut(BaseModel):
    type: str = Field(description="appointment, collaborative, plan, meeting, claim or obligation")
    id: int
    condition: str = Field(description="which way the rule holds (ending, outlook, under, stale, …; a series' "
                                       "occurrence for F5)")


class AudienceOut(BaseModel):
    kind: str = Field(description="dpl, core, center_staff or coordinator")
    id: int | None = Field(description="the collaborative (core) or the school (coordinator)")


class AcknowledgementOut(BaseModel):
    at: datetime
    by: PersonRef | None
    note: str


class FlagOut(BaseModel):
    id: int
    rule: str
    message: str = Field(description="a sentence naming the rule")
    subject: SubjectOut
    about_on: date | None = Field(description="the dated fact the flag is tied to (a term's end, a meeting's day, …)")
    collaborative_id: int | None
    audience: AudienceOut = Field(description="who must act")
    raised_at: datetime
    raised_on: date = Field(description="the day the sweep that raised it judged")
    cleared_at: datetime | None
    cleared_reason: str | None
    acknowledgement: AcknowledgementOut | None
    link: str | None = Field(description="the page where it is fixed")

    @classmethod
    def of(cls, flag: Flag, link: str | None) -> "FlagOut":
        ack = None
        if flag.acknowledged_at is not None:
            by = PersonRef.model_validate(flag.acknowledged_by) if flag.acknowledged_by else None
            ack = AcknowledgementOut(at=flag.acknowledged_at, by=by, note=flag.acknowledged_note or "")
        return cls(id=flag.id, rule=flag.rule, message=flag.message,
                   subject=SubjectOut(type=flag.subject_type, id=flag.subject_id, condition=flag.condition),
                   about_on=flag.about_on, collaborative_id=flag.collaborative_id,
                   audience=AudienceOut(kind=flag.audience, id=flag.audience_id), raised_at=flag.raised_at,
                   raised_on=flag.raised_on, cleared_at=flag.cleared_at, cleared_reason=flag.cleared_reason,
                   acknowledgement=ack, link=link)


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    today: date = Field(description="the day judged")
    triggered_by: str = Field(description="schedule, cli, dpl or test")
    started_by: PersonRef | None
    started_at: datetime
    finished_at: datetime | None
    status: str = Field(description="running, finished or failed")
    raised: int
    cleared: int
    judged: bool = Field(description="false when nothing had changed since the last run of the day, so the rules "
                                     "were not judged again")
    error: str | None

    @classmethod
    def of(cls, run: SweepRun) -> "RunOut":
        return cls.model_validate(run)
