"""Flags (F1–F8): what someone must act on, raised by the sweep, cleared when it no longer holds and
kept as history; the sweep's runs; and the lease that lets one process run a sweep at a time."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now_utc
from ..db import Base, EnumText, UTCDateTime, enum_check

if TYPE_CHECKING:
    from ..auth.models import Person


class FlagRule(StrEnum):
    """The flag rules of the rulebook."""

    F1 = "F1"
    F2 = "F2"
    F3 = "F3"
    F4 = "F4"
    F5 = "F5"
    F6 = "F6"
    F7 = "F7"
    F8 = "F8"

    @property
    def title(self) -> str:
        return RULE_TITLES[self]


RULE_TITLES = {
    FlagRule.F1: "Terms ending without a successor",
    FlagRule.F2: "Vacancies",
    FlagRule.F3: "Under or over strength",
    FlagRule.F4: "Plans out of date",
    FlagRule.F5: "Agendas not final",
    FlagRule.F6: "Reimbursements waiting",
    FlagRule.F7: "Obligations still pending",
    FlagRule.F8: "School changed mid-term",
}


class Audience(StrEnum):
    """Who must act on a flag: the DPL, a collaborative's Core (``audience_id``: the collaborative),
    Center staff, or a school's coordinators (``audience_id``: the school)."""

    DPL = "dpl"
    CORE = "core"
    CENTER_STAFF = "center_staff"
    COORDINATOR = "coordinator"

    @property
    def label(self) -> str:
        return {"dpl": "The Director (DPL)", "core": "The Core",
                "center_staff": "Center staff", "coordinator": "The school's coordinators"}[self.value]


#: The live flags (not cleared) are unique on their key: a flag is raised once however often the
#: sweep runs.
LIVE = "cleared_at IS NULL"


class Flag(Base):
    """One flag: its rule, its subject (``subject_type``/``subject_id``: "appointment", "collaborative",
    "plan", "meeting", "claim", "obligation"), the condition that holds (a rule may hold in more
    than one way: "ending" and "outlook" for F1), the dated fact it is tied to (``about_on``: the
    term's last day, the meeting's day, the claim's submission, the obligation's first day; None
    for an undated condition), who must act and why (``message``, a sentence naming the rule).

    ``key`` is the flag's natural key — rule, subject, condition and date in one string — unique
    among live flags (a partial unique index), so a sweep never raises a flag twice; when the date
    moves the key changes, so the old flag clears and the new date is judged afresh.
    """

    __tablename__ = "flags"
    __table_args__ = (
        enum_check("rule", FlagRule, name="rule_known"),
        enum_check("audience", Audience, name="audience_known"),
        CheckConstraint("(audience IN ('core', 'coordinator')) = (audience_id IS NOT NULL)",
                        name="audience_id_when_needed"),
        CheckConstraint("(cleared_at IS NULL) = (cleared_reason IS NULL)", name="cleared_has_reason"),
        CheckConstraint("(acknowledged_at IS NULL) = (acknowledged_note IS NULL)", name="acknowledged_has_note"),
        Index("uq_flags_live_key", "key", unique=True, sqlite_where=text(LIVE), postgresql_where=text(LIVE)),
        Index("ix_flags_live_audience", "audience", "audience_id", "cleared_at"),
        Index("ix_flags_rule_raised", "rule", "raised_on"),
        Index("ix_flags_rule_cleared", "rule", "cleared_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The natural key: "F5 meeting:12 scheduled 2027-03-09" (see the class docstring).
    key: Mapped[str] = mapped_column(String(200))
    rule: Mapped[FlagRule] = mapped_column(EnumText(FlagRule, 2))
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    #: Which way the rule holds ("ending", "under", "stale", …; an occurrence for F5).
    condition: Mapped[str] = mapped_column(String(40), default="")
    #: The dated fact the flag is tied to, if any.
    about_on: Mapped[date | None]
    #: The collaborative concerned, for filtering (None: a claim or obligation without one).
    collaborative_id: Mapped[int | None] = mapped_column(ForeignKey("collaboratives.id"), index=True)
    audience: Mapped[Audience] = mapped_column(EnumText(Audience, 16))
    audience_id: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    #: When the sweep first found it (the instant, and the day it judged).
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    raised_on: Mapped[date]
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_on: Mapped[date | None]
    cleared_reason: Mapped[str | None] = mapped_column(String(300))
    #: Someone who must act says they know, with a note; the flag stays open.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    acknowledged_note: Mapped[str | None] = mapped_column(Text)

    acknowledged_by: Mapped["Person | None"] = relationship(lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    @property
    def rule_title(self) -> str:
        return FlagRule(self.rule).title

    @property
    def sentence(self) -> str:
        """The message without its rule's prefix ("F4: the plan…" → "The plan…"), for lists that show
        the rule beside it."""
        text = self.message.removeprefix(f"{self.rule}: ")
        return text[:1].upper() + text[1:]

    @property
    def audience_label(self) -> str:
        return Audience(self.audience).label


class SweepTrigger(StrEnum):
    """What started a sweep."""

    SCHEDULE = "schedule"
    CLI = "cli"
    DPL = "dpl"
    TEST = "test"

    @property
    def label(self) -> str:
        return {"schedule": "Scheduled", "cli": "Command line", "dpl": "The Director", "test": "Test"}[self.value]


class SweepRun(Base):
    """One sweep: the day it judged, what started it, when it started and finished, how many flags
    it raised and cleared, and the error if it failed (its changes are then rolled back)."""

    __tablename__ = "sweep_runs"
    __table_args__ = (
        enum_check("triggered_by", SweepTrigger, name="triggered_by_known"),
        CheckConstraint("raised >= 0 AND cleared >= 0", name="counts_not_negative"),
        Index("ix_sweep_runs_today", "today", "triggered_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The day judged (the network's "today" when it ran, or the day given to ``nesa-collab sweep``).
    today: Mapped[date]
    triggered_by: Mapped[SweepTrigger] = mapped_column(EnumText(SweepTrigger, 16))
    #: The person who started it from the runs page or the API, if any.
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    #: The process that ran it ("host:pid").
    holder: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    raised: Mapped[int] = mapped_column(default=0)
    cleared: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    #: What the judgement rested on: how many entries the audit log had (every change is recorded
    #: there, A1) and the settings the rules read. A later run of the same day on the same basis has
    #: nothing new to judge.
    basis: Mapped[str | None] = mapped_column(String(200))
    #: False when the run found nothing changed since the last run of the same day (same basis) and
    #: so did not judge the rules again.
    judged: Mapped[bool] = mapped_column(default=True)

    started_by: Mapped["Person | None"] = relationship(lazy="joined")

    @property
    def status(self) -> str:
        if self.error is not None:
            return "failed"
        return "running" if self.finished_at is None else "finished"

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class Lease(Base):
    """A named lease: the one process holding it (until it is released or expires) may do the work
    it names. Taken atomically in the database, so processes on several hosts agree."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
