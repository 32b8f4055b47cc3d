"""The flag rules F1–F8 judged over the whole network on one day: what holds, as ``Hit``s the sweep
brings the flags table in line with. Each rule reads the facts through the rule functions the lower
domains already have (``cores.standing``, ``plans.standing.out_of_date``, the agenda's
running total, …) with set-based queries: a fixed number of statements whatever the network's size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload, raiseload, subqueryload

from ..auth.models import Person
from ..cores import standing
from ..cores.models import MAX_CORE, MIN_CORE
from ..meetings import agendas, times
from ..meetings.models import Conference, Meeting, MeetingStatus
from ..network.models import Collaborative, CollaborativeStatus, School
from ..obligations.models import Obligation, ObligationStatus, collaborative_title, statement
from ..plans import standings as plan_lines
from ..settings import Settings
from ..support.models import Claim, ClaimStatus
from .models import Audience, FlagRule

#: Raise it when a rule's judgement changes: runs on an earlier version judge again.
RULES_VERSION = 3
#: F5: a meeting starting within this many days needs a final agenda.
AGENDA_DAYS = 14
#: F6: a claim waiting longer than this many days for a decision or payment.
CLAIM_DAYS = 30
#: F7: an obligation still pending this many days before its first day.
OBLIGATION_DAYS = 30


def fmt(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def flag_key(rule: str, subject_type: str, subject_id: int, condition: str, about_on: date | None) -> str:
    """A flag's natural key: its rule, subject, condition and dated fact in one string."""
    day = about_on.isoformat() if about_on is not None else "-"
    return f"{rule} {subject_type}:{subject_id} {condition or '-'} {day}"


@dataclass(frozen=True)
class Hit:
    """A flag rule that holds on the day judged: the flag that must be open."""

    rule: FlagRule
    subject_type: str
    subject_id: int
    condition: str
    about_on: date | None
    audience: Audience
    audience_id: int | None
    collaborative_id: int | None
    message: str

    @property
    def key(self) -> str:
        return flag_key(self.rule, self.subject_type, self.subject_id, self.condition, self.about_on)

    @property
    def identity(self) -> tuple[str, str, int, str]:
        """The key without the date: the same flag about a date that moved has the same identity."""
        return (self.rule, self.subject_type, self.subject_id, self.condition)


@dataclass
class Judgement:
    """What holds on the day judged (``hits``), and the current date of every dated subject the
    rules looked at (``dates``, by identity), so that a flag whose date moved clears saying so."""

    hits: list[Hit] = field(default_factory=list)
    dates: dict[tuple[str, str, int, str], date] = field(default_factory=dict)


@dataclass(frozen=True)
class LiveFlag:
    """What the rules need to know of a flag already open: its subject (F5 and F7 look at the
    subjects of their open flags too, to tell a moved date from a condition that ended)."""

    rule: str
    subject_type: str
    subject_id: int


def judge(db: Session, today: date, settings: Settings, live: Iterable[LiveFlag] = ()) -> Judgement:
    """F1–F8 over the whole network on ``today``."""
    live = list(live)
    out = Judgement()
    core_rules(db, today, out)
    plan_rules(plan_standings(db, today, settings), out)
    agenda_rule(db, today, _subjects(live, FlagRule.F5), out)
    claim_rule(db, today, settings, out)
    obligation_rule(db, today, _subjects(live, FlagRule.F7), out)
    return out


def _subjects(live: list[LiveFlag], rule: FlagRule) -> list[int]:
    return sorted({f.subject_id for f in live if f.rule == rule})


# --- F1, F2, F3, F8: the Cores ------------------------------------------------------------------------

def core_rules(db: Session, today: date, out: Judgement) -> None:
    """F1 (terms ending within 90 days without a successor; a Core falling below 5 within a year),
    F2 (seats left vacant), F3 (under or over strength, C6) and F8 (a member's school changed or
    lapsed mid-term, C10), by the conditions of ``cores.standing`` the dashboard shows: the DPL must
    act. Three set-based queries, whatever the network's size."""
    def hit(rule: FlagRule, subject_type: str, subject_id: int, condition: str, about_on: date | None,
            collab_id: int, message: str) -> None:
        out.hits.append(Hit(rule, subject_type, subject_id, condition, about_on, Audience.DPL, None, collab_id,
                            message))

    sub = standing.standings_query(today).subquery()
    c = Collaborative
    for row in db.execute(select(sub, c.name, c.forming_since).join(c, c.id == sub.c.collaborative_id)
                          .where(sub.c.attention == 1)).mappings():
        s, name, cid = standing.standing_of(row, today), row["name"], row["collaborative_id"]
        if "f3_under" in s.flags:
            hit(FlagRule.F3, "collaborative", cid, "under", None, cid,
                f"F3: the {name} Core is under strength (C6): {s.strength} members, at least {MIN_CORE} are needed")
        if "f3_over" in s.flags:
            hit(FlagRule.F3, "collaborative", cid, "over", None, cid,
                f"F3: the {name} Core is over strength: {s.strength} members, at most {MAX_CORE} (C2)")
        if "f1_outlook" in s.flags:
            day = s.falls_below_on
            hit(FlagRule.F1, "collaborative", cid, "outlook", day, cid,
                f"F1: the {name} Core will fall to {s.lowest} members by {fmt(day)} as terms end without "
                "successors; fill the seats openly (C9)")
        if "f3_forming" in s.flags:
            hit(FlagRule.F3, "collaborative", cid, "forming", None, cid,
                f"F3: {name} has been forming since {fmt(row['forming_since'])} with {s.strength} Core members "
                f"(C6: at least {MIN_CORE})")
        if s.vacancies:
            seats = f"{s.vacancies} seat{'s' if s.vacancies > 1 else ''}"
            hit(FlagRule.F2, "collaborative", cid, "vacancy", None, cid,
                f"F2: {seats} on the {name} Core left vacant by ended terms")
    facts = standing.term_facts(today).subquery()
    ending = (select(facts.c.term_id, facts.c.collaborative_id, facts.c.last_day, Person.name, c.name)
              .join(Person, Person.id == facts.c.person_id).join(c, c.id == facts.c.collaborative_id)
              .where(~facts.c.succeeded, facts.c.starts_on <= today, facts.c.last_day >= today,
                     c.status != CollaborativeStatus.RETIRED))
    soon = today + timedelta(days=standing.ENDING_SOON_DAYS)
    for term_id, cid, last_day, person, name in db.execute(ending):
        out.dates[(FlagRule.F1, "appointment", term_id, "ending")] = last_day
        if last_day <= soon:
            hit(FlagRule.F1, "appointment", term_id, "ending", last_day, cid,
                f"F1: {person}'s term on the {name} Core ends on {fmt(last_day)} and no successor is appointed")
    changes = standing.school_change_rows(today).subquery()
    for row in db.execute(select(changes, c.name.label("collaborative_name"))
                          .join(c, c.id == changes.c.collaborative_id)
                          .where(c.status != CollaborativeStatus.RETIRED)).mappings():
        reason = standing.describe_school_change(row["person_name"], row["moved"], row["school_name"],
                                                 row["lapsed_on"])
        hit(FlagRule.F8, "appointment", row["term_id"], "school", None, row["collaborative_id"],
            f"F8: {reason} during their term on the {row['collaborative_name']} Core (C10); the seat may need filling")


# --- F4: plans ------------------------------------------------------------------------------------------

def plan_standings(db: Session, today: date, settings: Settings) -> list[plan_lines.StandingLine]:
    """P5 for every collaborative in service whose current plan is out of date, with the reasons
    ``plans.standing.out_of_date`` gives, as the plans list has them: a set-based query of the few
    facts P5 reads (no plan is loaded), in two statements whatever the network's size."""
    return plan_lines.every_out_of_date(db, today, settings)


def plan_rules(standings: list[plan_lines.StandingLine], out: Judgement) -> None:
    """F4: each reason a collaborative's current plan is out of date (P5), for its Core (and the DPL)."""
    for s in standings:
        c = s.collaborative
        for reason in s.reasons:
            if s.plan is None:
                subject_type, subject_id, about_on = "collaborative", c.id, None
                message = f"F4: {reason.message} (P5)"
            else:
                subject_type, subject_id = "plan", s.plan.id
                about_on = s.plan.ends_on if reason.condition == "ending" else None
                message = f"F4: the {c.name} plan is out of date (P5): {reason.message}"
            out.hits.append(Hit(FlagRule.F4, subject_type, subject_id, reason.condition, about_on, Audience.CORE,
                                c.id, c.id, message))


# --- F5: agendas ------------------------------------------------------------------------------------------

def agenda_gaps(meeting: Meeting) -> list[str]:
    """F5/M3: why a meeting's agenda is not final. Until an agenda can be marked final, it counts as
    final when it has items, they fit in the meeting (M3's running total) and the Core has set the
    date by which it must be final; each missing one is a reason."""
    gaps = []
    if not meeting.agenda:
        gaps.append("its agenda has no items")
    else:
        summary = agendas.agenda_summary(meeting)
        if summary.over:
            gaps.append(f"its agenda allots {summary.total} minutes but the meeting lasts {summary.length} (M3)")
    if meeting.agenda_final_by is None:
        gaps.append("no date is set by which its agenda must be final")
    return gaps


def agenda_rule(db: Session, today: date, flagged: list[int], out: Judgement) -> None:
    """F5: a published meeting (each occurrence of a series) starting within 14 days — on its own
    day, in its own zone, 0 to 14 days from ``today`` — whose agenda is not final: its Core must act.

    Drafts are not flagged (they are in nobody's calendar yet), nor cancelled meetings or
    occurrences. The meetings with an open F5 flag are read too, so a moved one clears saying so."""
    # A day's margin either side in UTC holds every zone's local day; the exact test is below.
    start = datetime.combine(today - timedelta(days=1), time(0), timezone.utc)
    end = datetime.combine(today + timedelta(days=AGENDA_DAYS + 2), time(0), timezone.utc)
    window = and_(Meeting.status == MeetingStatus.PUBLISHED, Meeting.last_ends_at >= start, Meeting.starts_at < end)
    stmt = (select(Meeting).where(or_(window, Meeting.id.in_(flagged)) if flagged else window)
            .options(raiseload("*"), joinedload(Meeting.collaborative), subqueryload(Meeting.agenda),
                     subqueryload(Meeting.occurrences)))
    for m in db.scalars(stmt):
        gaps = agenda_gaps(m) if m.status == MeetingStatus.PUBLISHED else []
        for o in times.expand(m):
            condition = o.original_start.isoformat(timespec="minutes") if m.is_recurring else ""
            day = o.local_start.date()
            out.dates[(FlagRule.F5, "meeting", m.id, condition)] = day
            if gaps and not o.is_cancelled and 0 <= (day - today).days <= AGENDA_DAYS:
                when = f"on {fmt(day)}" if day != today else "today"
                out.hits.append(Hit(FlagRule.F5, "meeting", m.id, condition, day, Audience.CORE, m.collaborative_id,
                                    m.collaborative_id,
                                    f"F5: {m.title} ({m.collaborative.name}) meets {when} and its agenda is not "
                                    f"final: {'; '.join(gaps)}"))


# --- F6: claims ---------------------------------------------------------------------------------------------

def claim_rule(db: Session, today: date, settings: Settings, out: Judgement) -> None:
    """F6: a hotel-night claim (S3) waiting more than 30 days for a decision (since it was submitted)
    or, once approved, for its payment (since it was approved): Center staff must act. Days are the
    network's: a claim submitted on 1 March is flagged from 1 April (31 days) on."""
    tz = settings.tz
    # Waited more than 30 days: made before the start of the day 30 days ago.
    before = datetime.combine(today - timedelta(days=CLAIM_DAYS), time(0), tz)
    rows = db.execute(
        select(Claim.id, Claim.status, Claim.created_at, Claim.decided_at, Person.name, Conference.name,
               Meeting.collaborative_id)
        .join(Person, Person.id == Claim.person_id).join(Conference, Conference.id == Claim.conference_id)
        .join(Meeting, Meeting.id == Claim.meeting_id)
        .where(or_(and_(Claim.status == ClaimStatus.SUBMITTED, Claim.created_at < before),
                   and_(Claim.status == ClaimStatus.APPROVED, Claim.decided_at < before)))).all()
    for claim_id, status, created_at, decided_at, person, conference, collab_id in rows:
        if status == ClaimStatus.SUBMITTED:
            condition, since, waits = "decision", created_at, "submitted on {day}, has waited over 30 days for a decision"
        else:
            condition, since, waits = "payment", decided_at, "approved on {day}, has waited over 30 days for payment"
        day = since.astimezone(tz).date()
        out.hits.append(Hit(FlagRule.F6, "claim", claim_id, condition, day, Audience.CENTER_STAFF, None, collab_id,
                            f"F6: {person}'s hotel-night claim for the {conference}, " + waits.format(day=fmt(day))))


# --- F7: obligations ----------------------------------------------------------------------------------------

def obligation_rule(db: Session, today: date, flagged: list[int], out: Judgement) -> None:
    """F7: a school obligation (O1, O2) still pending from 30 days before its first day until its last
    day: the school's coordinators must act (O3). The obligations with an open F7 flag are read too,
    so that one whose day moved clears saying so."""
    due = and_(Obligation.withdrawn_at.is_(None), Obligation.status == ObligationStatus.PENDING,
               Obligation.first_day <= today + timedelta(days=OBLIGATION_DAYS), Obligation.last_day >= today)
    rows = db.execute(
        select(Obligation.id, Obligation.kind, Obligation.school_id, Obligation.collaborative_id,
               Obligation.first_day, Obligation.last_day, Obligation.status, Obligation.withdrawn_at,
               Person.name, Collaborative.name, Conference.name, School.name)
        .join(Person, Person.id == Obligation.person_id)
        .join(Collaborative, Collaborative.id == Obligation.collaborative_id)
        .join(Conference, Conference.id == Obligation.conference_id)
        .join(School, School.id == Obligation.school_id)
        .where(or_(due, Obligation.id.in_(flagged)) if flagged else due)).all()
    for (ob_id, kind, school_id, collab_id, first, last, status, withdrawn_at, person, collab, conference,
         school) in rows:
        out.dates[(FlagRule.F7, "obligation", ob_id, "pending")] = first
        pending = withdrawn_at is None and status == ObligationStatus.PENDING
        if pending and (first - today).days <= OBLIGATION_DAYS and last >= today:
            what = statement(kind, person, collaborative_title(collab), conference, first, last)
            out.hits.append(Hit(FlagRule.F7, "obligation", ob_id, "pending", first, Audience.COORDINATOR, school_id,
                                collab_id, f"F7: {school} has not yet answered (O3): {what}"))
