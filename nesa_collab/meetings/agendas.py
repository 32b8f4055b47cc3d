"""Agendas (M3): the Core of a meeting's collaborative sets its agenda: ordered items with a title,
presenter, minutes allotted and notes, each optionally advancing a milestone of one of the
collaborative's plans, a running total against the meeting's length, and when it must be final."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import record, snapshot
from ..permissions import Actor, require, require_visible
from ..errors import DomainError, NotFound
from ..plans.models import Plan, PlanMilestone
from . import feed_cache, services
from .checks import check_final_by, check_text
from .models import AgendaItem, Meeting

AGENDA_FIELDS = ["position", "title", "presenter", "minutes", "notes", "milestone_id"]


@dataclass(frozen=True)
class AgendaSummary:
    """M3: the running total of allotted minutes against the meeting's length."""

    total: int
    length: int
    running: list[int]

    @property
    def over(self) -> bool:
        return self.total > self.length

    @property
    def warning(self) -> str | None:
        if self.over:
            return (f"M3: the agenda allots {self.total} minutes but the meeting lasts {self.length}; "
                    f"shorten items by {self.total - self.length} minutes")
        return None


def agenda_summary(meeting: Meeting) -> AgendaSummary:
    """M3: the running total of the agenda's items against the meeting's length."""
    running, total = [], 0
    for item in meeting.agenda:
        total += item.minutes
        running.append(total)
    return AgendaSummary(total, int((meeting.local_end - meeting.local_start).total_seconds() // 60), running)


# --- reading ---------------------------------------------------------------------------------------

def _milestone_choices(db: Session, collaborative_id: int) -> dict[int, str]:
    rows = db.execute(select(PlanMilestone.id, PlanMilestone.title, PlanMilestone.due_on, Plan.title)
                      .join(Plan, Plan.id == PlanMilestone.plan_id)
                      .where(Plan.collaborative_id == collaborative_id)
                      .order_by(Plan.first_year, Plan.id, PlanMilestone.due_on, PlanMilestone.id)).all()
    return {mid: f"{plan} — {title} (due {due:%-d %b %Y})" for mid, title, due, plan in rows}


def agenda_milestones(db: Session, actor: Actor | None, meeting: Meeting) -> dict[int, str]:
    """M3: the titles of the milestones the meeting's agenda items advance (one query)."""
    require_visible(actor, "meeting.view", meeting)
    ids = sorted({i.milestone_id for i in meeting.agenda if i.milestone_id is not None})
    if not ids:
        return {}
    return dict(db.execute(select(PlanMilestone.id, PlanMilestone.title).where(PlanMilestone.id.in_(ids))).all())


@dataclass
class AgendaEditor:
    """M3: what the agenda editor shows: the meeting, the running total, the milestones of the
    collaborative's plans an item may advance (labelled "plan — milestone (due …)", in plan and
    due-date order) and those the items already advance."""

    meeting: Meeting
    summary: AgendaSummary
    milestone_choices: dict[int, str]
    milestones: dict[int, str]


def agenda_editor(db: Session, actor: Actor, meeting_id: int) -> AgendaEditor:
    """M3: the agenda of a meeting, for its collaborative's Core (and the DPL) to edit."""
    meeting = services.get_meeting(db, actor, meeting_id)
    require(actor, "agenda.edit", meeting.collaborative)
    return AgendaEditor(meeting, agenda_summary(meeting), _milestone_choices(db, meeting.collaborative_id),
                        agenda_milestones(db, actor, meeting))


# --- changing ---------------------------------------------------------------------------------------

def _agenda_snapshot(meeting: Meeting) -> dict:
    return {"items": [snapshot(i, AGENDA_FIELDS) for i in meeting.agenda],
            "agenda_final_by": meeting.agenda_final_by.isoformat() if meeting.agenda_final_by else None}


def _check_editor(actor: Actor, meeting: Meeting) -> None:
    """M3: only the Core of the meeting's collaborative (and the DPL) set its agenda."""
    require(actor, "agenda.edit", meeting.collaborative)
    if meeting.is_cancelled:
        raise DomainError("M2", "the meeting is cancelled", field="status")


def _item_values(db: Session, meeting: Meeting, item: AgendaItem, title: str | None, minutes: int | None,
                 presenter: str = "", notes: str = "", milestone_id: int | None = None) -> None:
    item.title = check_text(title, "title", "title", "M3")
    if not isinstance(minutes, int) or minutes <= 0 or minutes > 24 * 60:
        raise DomainError("M3", "allot a whole number of minutes (1 or more) to each item", field="minutes")
    item.minutes = minutes
    item.presenter = (presenter or "").strip()[:200]
    item.notes = (notes or "").strip()
    if milestone_id is not None and milestone_id not in _milestone_choices(db, meeting.collaborative_id):
        raise DomainError("M3", f"an agenda item advances a milestone of a plan of {meeting.collaborative.name}; "
                          "choose one of its plans' milestones", field="milestone_id")
    item.milestone_id = milestone_id


def _changed(db: Session, actor: Actor, meeting: Meeting, before: dict, summary: str) -> None:
    for i, item in enumerate(meeting.agenda):
        item.position = i
    meeting.touch()
    record(db, actor, "agenda.update", meeting, f"{summary} ({meeting.title})", before=before,
           after=_agenda_snapshot(meeting), collaborative_id=meeting.collaborative_id)
    feed_cache.forget(db, [meeting.id])  # the agenda is in the events' description


def _item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = next((i for i in meeting.agenda if i.id == item_id), None)
    if item is None:
        raise NotFound()
    return item


def add_agenda_item(db: Session, actor: Actor, meeting: Meeting, **values: Any) -> AgendaItem:
    """M3: add an item at the end of the agenda."""
    _check_editor(actor, meeting)
    before = _agenda_snapshot(meeting)
    item = AgendaItem(position=len(meeting.agenda))
    _item_values(db, meeting, item, **values)
    meeting.agenda.append(item)
    _changed(db, actor, meeting, before, f"Added agenda item {item.title}")
    return item


def update_agenda_item(db: Session, actor: Actor, meeting: Meeting, item_id: int, **values: Any) -> AgendaItem:
    """M3: change an item of the agenda."""
    _check_editor(actor, meeting)
    before = _agenda_snapshot(meeting)
    item = _item(meeting, item_id)
    _item_values(db, meeting, item, **values)
    _changed(db, actor, meeting, before, f"Changed agenda item {item.title}")
    return item


def delete_agenda_item(db: Session, actor: Actor, meeting: Meeting, item_id: int) -> None:
    """M3: remove an item from the agenda."""
    _check_editor(actor, meeting)
    before = _agenda_snapshot(meeting)
    item = _item(meeting, item_id)
    meeting.agenda.remove(item)
    _changed(db, actor, meeting, before, f"Removed agenda item {item.title}")


def move_agenda_item(db: Session, actor: Actor, meeting: Meeting, item_id: int, direction: str) -> None:
    """M3: move an item up or down one place."""
    _check_editor(actor, meeting)
    before = _agenda_snapshot(meeting)
    items = list(meeting.agenda)
    item = _item(meeting, item_id)
    i = items.index(item)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(items):
        return
    items[i], items[j] = items[j], items[i]
    meeting.agenda[:] = items
    _changed(db, actor, meeting, before, f"Moved agenda item {item.title} {direction}")


def reorder_agenda(db: Session, actor: Actor, meeting: Meeting, item_ids: list[int]) -> None:
    """M3: put the items in the order given (every item, once)."""
    _check_editor(actor, meeting)
    if sorted(item_ids) != sorted(i.id for i in meeting.agenda):
        raise DomainError("M3", "give every item of the agenda once, in the new order", field="order")
    before = _agenda_snapshot(meeting)
    by_id = {i.id: i for i in meeting.agenda}
    meeting.agenda[:] = [by_id[i] for i in item_ids]
    _changed(db, actor, meeting, before, "Reordered the agenda")


def replace_agenda(db: Session, actor: Actor, meeting: Meeting, items: list[dict[str, Any]],
                   agenda_final_by: date | None) -> AgendaSummary:
    """M3 (API): the whole agenda, in order; items with an ``id`` keep it."""
    _check_editor(actor, meeting)
    before = _agenda_snapshot(meeting)
    existing = {i.id: i for i in meeting.agenda}
    new = []
    for values in items:
        values = dict(values)
        item = existing.pop(values.pop("id", None) or -1, None) or AgendaItem(position=0)
        _item_values(db, meeting, item, **values)
        new.append(item)
    meeting.agenda[:] = new
    meeting.agenda_final_by = check_final_by(meeting, agenda_final_by)
    _changed(db, actor, meeting, before, "Set the agenda")
    return agenda_summary(meeting)


def update_agenda_timeline(db: Session, actor: Actor, meeting: Meeting, day: date | None) -> None:
    """M3: when the agenda must be final (by the day of the meeting at the latest)."""
    _check_editor(actor, meeting)
    before = _agenda_snapshot(meeting)
    meeting.agenda_final_by = check_final_by(meeting, day)
    _changed(db, actor, meeting, before, "Set when the agenda must be final")
