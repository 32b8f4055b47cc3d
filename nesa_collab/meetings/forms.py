"""How the meetings pages' forms (and the API's query and path values) become service input: the
meeting form's defaults and its "repeat" choice (an RRULE), the cross-zone aid's request, an
occurrence named in a URL, an occurrence's move or cancellation, attendance marks and agenda edits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from starlette.datastructures import FormData

from ..errors import DomainError
from . import times
from .models import Conference, Meeting
from .schemas import ConferenceIn

def new_conference_form() -> dict[str, Any]:
    """S1: the form of a new conference."""
    return {"name": "", "kind": "conference", "starts_on": "", "ends_on": "", "city": "", "country": "",
            "time_zone": "", "hotel": "", "hotel_address": "", "description": "", "featured": [], "slug": "",
            "hotel_night_cap": "", "hotel_cap_currency": ""}


def conference_form(conf: Conference) -> dict[str, Any]:
    """S1: the form showing ``conf`` as it is."""
    form: dict[str, Any] = {k: getattr(conf, k) for k in ("name", "kind", "starts_on", "ends_on", "city", "country",
                                                          "time_zone", "hotel", "hotel_address", "description")}
    cap = {"hotel_night_cap": f"{conf.hotel_night_cap:.2f}" if conf.hotel_night_cap is not None else "",
           "hotel_cap_currency": conf.hotel_cap_currency or ""}
    return {**form, **cap, "featured": [c.slug for c in conf.featured], "slug": conf.slug}


def conference_changes(data: ConferenceIn) -> dict[str, Any]:
    """S1: the edit form states every field: a text field left empty is emptied (and the rule that
    needs it answers), where the API's PATCH leaves out what it does not change."""
    values = data.model_dump(exclude={"slug"})
    for key in ("name", "city", "time_zone", "hotel_night_cap", "hotel_cap_currency"):
        if values[key] is None:
            values[key] = ""
    return values


#: The meeting form's "repeat" choices (M1: only virtual and hybrid meetings repeat).
REPEAT_CHOICES = [("none", "Does not repeat"), ("weekly", "Every week on this weekday"),
                  ("fortnightly", "Every two weeks on this weekday"),
                  ("monthly_weekday", "Monthly on this weekday (e.g. the second Tuesday)")]
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def monthly_nth_weekday_rule(day: date) -> str:
    """``FREQ=MONTHLY;BYDAY=+2TU`` for the second Tuesday of the month ``day`` falls in (−1 for the last)."""
    nth = (day.day - 1) // 7 + 1
    return f"FREQ=MONTHLY;BYDAY={'-1' if nth == 5 else f'+{nth}'}{_DAYS[day.weekday()]}"


def rule_from_choice(repeat: str | None, day: date) -> str | None:
    """M1: the rule for the form's "repeat" choice (anything else is taken as a rule typed in)."""
    code = _DAYS[day.weekday()]
    return {None: None, "": None, "none": None,
            "weekly": f"FREQ=WEEKLY;BYDAY={code}",
            "fortnightly": f"FREQ=WEEKLY;INTERVAL=2;BYDAY={code}",
            "monthly_weekday": monthly_nth_weekday_rule(day)}.get(repeat, repeat)


def with_rule(values: dict[str, Any], repeat: str | None) -> dict[str, Any]:
    """M1: the meeting's values with the "repeat" choice made an RRULE (a rule typed in wins)."""
    values = dict(values)
    if not values.get("rrule"):
        starts = values.get("starts")
        values["rrule"] = rule_from_choice(repeat, starts.date()) if starts else None
    return values


def _local_input(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M") if value else ""


def new_meeting_form(collaborative: str, conference: str, time_zone: str) -> dict[str, str]:
    """The meeting form of a new meeting: virtual, in the viewer's zone, repeating never."""
    return {"collaborative": collaborative, "title": "", "mode": "virtual", "time_zone": time_zone, "starts": "",
            "ends": "", "place": "", "join_url": "", "description": "", "conference": conference,
            "repeat": "none", "rrule": "", "repeat_until": "", "agenda_final_by": ""}


def meeting_form(meeting: Meeting) -> dict[str, str]:
    """The meeting form showing ``meeting`` as it is."""
    return {"collaborative": meeting.collaborative.slug, "title": meeting.title, "mode": meeting.mode,
            "time_zone": meeting.time_zone, "starts": _local_input(meeting.local_start),
            "ends": _local_input(meeting.local_end), "place": meeting.place, "join_url": meeting.join_url or "",
            "description": meeting.description, "conference": meeting.conference.slug if meeting.conference else "",
            "repeat": "none", "rrule": meeting.rrule or "",
            "repeat_until": meeting.repeat_until.isoformat() if meeting.repeat_until else "",
            "agenda_final_by": meeting.agenda_final_by.isoformat() if meeting.agenda_final_by else ""}


@dataclass(frozen=True)
class AidRequest:
    """The cross-zone aid asked for: a wall-time start in a zone and a length in minutes."""

    starts: datetime
    time_zone: str
    minutes: int


def aid_request(form: dict[str, Any]) -> AidRequest | None:
    """The aid the meeting form asks for (its start, end and zone), or None while they are incomplete
    or do not make a meeting (an end before the start, a time that does not exist there)."""
    if not form.get("starts") or not form.get("time_zone"):
        return None
    try:
        starts = datetime.fromisoformat(str(form["starts"]))
        ends = datetime.fromisoformat(str(form["ends"])) if form.get("ends") else starts + timedelta(hours=1)
        starts_at = times.to_utc(starts, form["time_zone"], "starts")
        ends_at = times.to_utc(ends, form["time_zone"], "ends")
    except (ValueError, DomainError):
        return None
    if ends_at <= starts_at:
        return None
    return AidRequest(starts, form["time_zone"], int((ends_at - starts_at).total_seconds() // 60))


def with_start(values: dict[str, Any], start: str | None) -> dict[str, Any]:
    """M6: the meeting form's values with the start moved to ``start`` (a best start of the time
    check, a local wall time such as 2027-01-12T10:30) and the end moved with it, so the meeting keeps
    its length (an hour when the form gives none). Everything else stays as typed; a start that is not
    a time changes nothing."""
    try:
        new_start = datetime.fromisoformat(start or "")
    except ValueError:
        return values
    wanted = aid_request(values)
    length = timedelta(minutes=wanted.minutes if wanted else 60)
    ends = new_start + length
    zone = values.get("time_zone")
    if zone:
        try:  # the length is elapsed time, also across a change of the clocks
            ends = times.to_local(times.to_utc(new_start, zone) + length, zone)
        except (ValueError, DomainError):
            pass
    return {**values, "starts": _local_input(new_start), "ends": _local_input(ends)}


def local_start(value: str | None) -> datetime:
    """M1: a local wall time given in a query (the API's find-a-time)."""
    try:
        return datetime.fromisoformat(value or "")
    except ValueError:
        raise DomainError("M1", "starts: give a local time such as 2027-01-12T16:00", field="starts") from None


def occurrence_param(value: str | None) -> datetime | None:
    """M4: an occurrence named by its start as the series' rule generates it (ISO, e.g. 2027-02-09T16:00)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise DomainError("M4", "name the occurrence by its start, e.g. 2027-02-09T16:00", field="occurrence") from None


def cancels(action: str) -> bool:
    """M1: whether an occurrence's ``action`` cancels it (else it moves it)."""
    if action not in ("move", "cancel"):
        raise DomainError("M1", "action is move or cancel", field="action")
    return action == "cancel"


def minutes_form(text: str, marks: dict[int, str], people: list) -> dict[str, str]:
    """M4: the minutes form's values: the text and one attendance mark per expected person."""
    return {"minutes": text, **{f"attendance-{p.id}": marks.get(p.id, "") for p in people}}


def attendance_marks(form: FormData | None, people: list) -> dict[int, str]:
    """M4: the attendance marked on the form for each expected person (unmarked ones left out, or
    present when the form says everyone not marked was there)."""
    if form is None:
        return {}
    rest = "present" if form.get("rest_present") else None
    marks = {p.id: form.get(f"attendance-{p.id}") or rest for p in people}
    return {person_id: status for person_id, status in marks.items() if status}


#: The agenda editor's "add an item" form; ``op`` says which of the page's forms was posted.
AGENDA_FORM = {"op": "add", "title": "", "presenter": "", "minutes": "", "notes": "", "milestone_id": ""}


def agenda_item_id(form: FormData | None) -> int:
    """M3: the agenda item a form acts on (0: none named, which the services do not find)."""
    value = (form.get("item_id") if form is not None else None) or ""
    return int(value) if value.isdigit() else 0


def final_by(form: FormData | None) -> date | None:
    """M3: the day the agenda must be final by, as the form gives it (empty: none)."""
    value = (form.get("agenda_final_by") if form is not None else None) or None
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError(None, "Give a date such as 2027-03-11", field="agenda_final_by") from None


def occurrence_value(original_start: datetime) -> str:
    """An occurrence as forms and links name it: its start as the rule generates it (2027-02-09T16:00)."""
    return original_start.strftime("%Y-%m-%dT%H:%M")
