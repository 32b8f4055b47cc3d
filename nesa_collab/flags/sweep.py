"""The sweep: judge every flag rule over the whole network on one day and bring the flags table in
line — raise what newly holds, leave what still holds, clear what no longer holds (keeping it, with
when and why), all in a fixed number of statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from ..audit.models import AuditEntry
from ..clock import now_utc
from ..cores import standing_store
from ..settings import Settings
from .models import Flag, FlagRule
from .rules import RULES_VERSION, Hit, LiveFlag, fmt, judge

#: Why a flag cleared when its condition simply stopped holding, by rule.
NO_LONGER = {
    FlagRule.F1: "no longer holds: a successor is appointed, or the term ended or is further off",
    FlagRule.F2: "no longer holds: the seats are filled",
    FlagRule.F3: "no longer holds: the Core has between 5 and 8 members, or is no longer active or forming",
    FlagRule.F4: "no longer holds: the plan is no longer out of date for this reason",
    FlagRule.F5: "no longer holds: the agenda is final, or the meeting is cancelled, past or more than 14 days off",
    FlagRule.F6: "no longer holds: the claim is decided or paid",
    FlagRule.F7: "no longer holds: the school answered, the obligation was withdrawn or its days have passed",
    FlagRule.F8: "no longer holds: the term ended, or the member's school is as it was",
}


@dataclass(frozen=True)
class SweepResult:
    """What one sweep changed."""

    raised: int
    cleared: int
    #: Open flags whose sentence changed with the facts (a count, a reason), kept open and reworded.
    reworded: int
    #: Flags open after the sweep.
    open: int


def sweep(db: Session, today: date, settings: Settings) -> SweepResult:
    """F1–F8: evaluate every flag rule over the whole network on ``today`` and bring the flags in
    line. A flag is raised once (its key is unique among open flags); one whose condition no longer
    holds is cleared with the reason; one tied to a date that moved is cleared ("the date moved")
    and the new date judged afresh. Flushes, never commits: the caller's transaction holds it.
    The Cores' stored standings (``cores.standing_store``) are recomputed for ``today`` on the way, so
    the pages rarely pay for a new day."""
    now = now_utc()
    standing_store.refresh_all(db, today)
    live = db.execute(select(Flag.id, Flag.key, Flag.rule, Flag.subject_type, Flag.subject_id, Flag.condition,
                             Flag.about_on, Flag.message).where(Flag.cleared_at.is_(None))).all()
    judgement = judge(db, today, settings, [LiveFlag(f.rule, f.subject_type, f.subject_id) for f in live])
    hits: dict[str, Hit] = {}
    for h in judgement.hits:
        hits.setdefault(h.key, h)
    by_identity = {h.identity: h for h in hits.values()}
    live_keys = {f.key for f in live}

    new = [h for key, h in hits.items() if key not in live_keys]
    if new:
        db.execute(insert(Flag.__table__), [{
            "key": h.key, "rule": h.rule, "subject_type": h.subject_type, "subject_id": h.subject_id,
            "condition": h.condition, "about_on": h.about_on, "collaborative_id": h.collaborative_id,
            "audience": h.audience, "audience_id": h.audience_id, "message": h.message, "raised_at": now,
            "raised_on": today} for h in new])
    gone = []
    reworded = []
    for f in live:
        hit = hits.get(f.key)
        if hit is None:
            identity = (f.rule, f.subject_type, f.subject_id, f.condition)
            gone.append({"id": f.id, "cleared_at": now, "cleared_on": today,
                         "cleared_reason": _clear_reason(f, by_identity.get(identity),
                                                         judgement.dates.get(identity))})
        elif hit.message != f.message:
            reworded.append({"id": f.id, "message": hit.message})
    if gone:
        db.execute(update(Flag), gone)
    if reworded:
        db.execute(update(Flag), reworded)
    return SweepResult(raised=len(new), cleared=len(gone), reworded=len(reworded),
                       open=len(live) + len(new) - len(gone))


def _clear_reason(flag, successor: Hit | None, current: date | None) -> str:
    """Why ``flag`` clears: its date moved (to the date of the flag that replaces it, or to the
    subject's current date), or its condition no longer holds."""
    moved_to = successor.about_on if successor is not None else current
    if flag.about_on is not None and moved_to is not None and moved_to != flag.about_on:
        return f"the date moved: {fmt(flag.about_on)} is now {fmt(moved_to)}"
    return NO_LONGER[FlagRule(flag.rule)]


def basis(db: Session, settings: Settings) -> str:
    """What a judgement rests on besides its day: the facts, as the audit log's size (every change to
    them is recorded there, A1, and the log only grows), the settings the rules read, and the rules'
    own version. Read before the facts, so that a change committed meanwhile makes the next run judge
    again rather than be missed."""
    count, last = db.execute(select(func.count(), func.max(AuditEntry.id)).select_from(AuditEntry)).one()
    return (f"rules v{RULES_VERSION}; audit {count}/{last or 0}; zone {settings.network_time_zone}; "
            f"years from month {settings.school_year_start_month}; stale after {settings.plan_stale_months} months")
