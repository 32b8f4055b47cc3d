"""Pages for conferences (S1), meetings (M1, M2), agendas (M3), minutes (M4), calendars and feeds (M5),
always showing times in the viewer's zone beside the meeting's own (M6)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from ..auth.models import Role
from ..clock import now_utc, today
from ..errors import DomainError, NotFound
from ..network.models import Collaborative, School
from ..auth.permissions import can, require_visible
from ..network.services import get_collaborative
from ..web import WebRequest, page
from . import feeds, ical, scheduling, services, times
from .models import Conference, ConferenceKind, FeedKind, FeedToken, Meeting, MeetingMode
from .schemas import (AgendaFormIn, CancelIn, ConferenceIn, MeetingIn, MeetingUpdate, OccurrenceIn)

ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/")))
REPEAT_CHOICES = [("none", "Does not repeat"), ("weekly", "Every week on this weekday"),
                  ("fortnightly", "Every two weeks on this weekday"),
                  ("monthly_weekday", "Monthly on this weekday (e.g. the second Tuesday)")]


def _today(req: WebRequest) -> date:
    return today(req.settings.tz)


def _network(req: WebRequest) -> str:
    return req.settings.network_name


# --- feed links (M5) -------------------------------------------------------------------------------

def feed_links(req: WebRequest, path: str) -> dict[str, str]:
    """The https URL to copy, the webcal:// subscribe link and a download link of a feed."""
    https = req.settings.base_url.rstrip("/") + path
    webcal = "webcal://" + https.split("://", 1)[1]
    return {"https": https, "webcal": webcal, "download": path + "?download=1"}


def token_links(req: WebRequest, row: FeedToken) -> dict[str, str]:
    token = services.token_of(req.settings.secret_key, row.nonce)
    path = req.url_for("person_feed" if row.kind == FeedKind.PERSON else "school_feed", feed_token=token)
    return feed_links(req, path)


# --- conferences (S1) ------------------------------------------------------------------------------

@page("public")
def conference_list(req: WebRequest):
    """S1: the network's conferences and institutes, with the subscribe link."""
    show_past = req.query("past") == "1"
    confs = services.conferences(req.db, since=None if show_past else _today(req) - timedelta(days=1))
    return req.render("meetings/conferences.html", {
        "conferences": confs, "show_past": show_past,
        "links": feed_links(req, req.url_for("conferences_feed"))})


def _conference(req: WebRequest) -> Conference:
    return services.conference_by_slug(req.db, req.path_params["conference"])


@page("public")
def conference_page(req: WebRequest):
    """S1: a conference; S2: its planning meetings, with headcounts for Center staff."""
    conf = _conference(req)
    editable = services.editable_collabs(req.actor)
    meetings = [m for m in services.planning_meetings(req.db, [conf.id], include_drafts=bool(editable))
                if can(req.actor, "meeting.view", m)]
    others = list(req.db.scalars(services.meetings_query(editable=editable)
                                 .where(Meeting.conference_id == conf.id, Meeting.is_planning.is_(False))))
    others = [m for m in others if can(req.actor, "meeting.view", m)]
    counts = services.headcounts(req.db, meetings) if req.can("conference.manage") else {}
    return req.render("meetings/conference.html", {"conf": conf, "planning": meetings, "others": others,
                                                   "headcounts": counts})


def _conference_form(req: WebRequest, conf: Conference | None, form: dict, errors: dict, status: int = 200):
    collabs = req.db.scalars(select(Collaborative).where(Collaborative.status != "retired")
                             .order_by(Collaborative.name)).all()
    return req.render("meetings/conference_form.html", {
        "conf": conf, "form": form, "errors": errors, "zones": ZONES, "collabs": collabs,
        "kinds": [(k.value, k.value.title()) for k in ConferenceKind]}, status)


def _conference_values(req: WebRequest) -> dict:
    form = {k: req.form.get(k, "") for k in ConferenceIn.model_fields if k != "featured"}
    form["featured"] = req.form.getlist("featured")
    return form


@page("conference.manage")
def new_conference(req: WebRequest):
    """S1: Center staff add a conference or institute."""
    form: dict[str, Any] = {"name": "", "kind": "conference", "starts_on": "", "ends_on": "", "city": "",
                            "country": "", "time_zone": "", "hotel": "", "hotel_address": "", "description": "",
                            "featured": [], "slug": ""}
    if req.method == "POST":
        try:
            data = req.parse(ConferenceIn)
            conf = services.create_conference(req.db, req.actor, **data.model_dump())
            return req.redirect(req.url_for("conference", conference=conf.slug), flash=f"Added {conf.name}.")
        except DomainError as exc:
            return _conference_form(req, None, _conference_values(req), exc.field_messages(), 422)
    return _conference_form(req, None, form, {})


@page("conference.manage")
def edit_conference(req: WebRequest):
    conf = _conference(req)
    form: dict[str, Any] = {k: getattr(conf, k) for k in ("name", "kind", "starts_on", "ends_on", "city", "country",
                                                          "time_zone", "hotel", "hotel_address", "description")}
    form["featured"] = [c.slug for c in conf.featured]
    form["slug"] = conf.slug
    if req.method == "POST":
        try:
            data = req.parse(ConferenceIn)
            services.update_conference(req.db, req.actor, conf, **data.model_dump(exclude={"slug"}))
            return req.redirect(req.url_for("conference", conference=conf.slug), flash=f"Saved {conf.name}.")
        except DomainError as exc:
            return _conference_form(req, conf, _conference_values(req), exc.field_messages(), 422)
    return _conference_form(req, conf, form, {})


# --- meetings (M1, M2, M6) -------------------------------------------------------------------------

def _meeting(req: WebRequest) -> Meeting:
    meeting = services.meeting_or_404(req.db, req.path_params["meeting_id"])
    require_visible(req.actor, "meeting.view", meeting)  # M2: drafts are not revealed
    return meeting


@page("public")
def meeting_list(req: WebRequest):
    """Upcoming meetings (series expanded), each in the viewer's zone with the meeting's own beside."""
    collab = None
    ids = None
    if req.query("collaborative"):
        collab = get_collaborative(req.db, req.actor, req.query("collaborative"))
        ids = [collab.id]
    elif req.query("mine") == "1" and req.actor is not None:
        ids = sorted(req.actor.member_of | req.actor.core_of)
    editable = services.editable_collabs(req.actor)
    # Visitors see active collaboratives' meetings only: filtered in SQL, before the limit.
    rows = services.upcoming(req.db, ids, now_utc(), limit=50, editable=editable, public_only=req.actor is None)
    return req.render("meetings/list.html", {
        "rows": rows, "collab": collab, "mine": req.query("mine") == "1",
        "conf_links": feed_links(req, req.url_for("conferences_feed")),
        "collab_links": feed_links(req, req.url_for("collaborative_feed", slug=collab.slug)) if collab else None})


@page("meeting.view")
def meeting_page(req: WebRequest):
    """M1–M6: the meeting, its occurrences, agenda, minutes and calendar links."""
    meeting = _meeting(req)
    now = now_utc()
    occurrences = times.expand(meeting)
    context = {
        "meeting": meeting, "occurrences": occurrences,
        "upcoming_occurrences": [o for o in occurrences if o.ends_at >= now][:12],
        "summary": services.agenda_summary(meeting), "now": now,
        "can_edit": req.can("meeting.edit", meeting.collaborative),
        "ics": req.url_for("meeting_ics", meeting_id=meeting.id),
        "collab_links": feed_links(req, req.url_for("collaborative_feed", slug=meeting.collaborative.slug)),
        "milestones": services.agenda_milestones(req.db, meeting),
        # M4: minutes and attendance are for signed-in people (the API answers visitors 404 too).
        "show_minutes": req.actor is not None, "minutes": None, "attendance": [], "past": [], "headcount": None,
    }
    if context["show_minutes"]:
        recorded = services.minutes_by_occurrence(req.db, meeting)
        if meeting.is_recurring:
            # Every occurrence that has started, each with its own minutes (or none yet).
            context["past"] = [(o, recorded.get(o.original_start)) for o in services.past_occurrences(meeting, now)]
        else:
            context["minutes"] = recorded.get(meeting.local_start)
            if context["minutes"] is not None:
                context["attendance"] = services.attendance_list(req.db, meeting, meeting.local_start)
    if meeting.is_planning and req.can("conference.manage"):
        context["headcount"] = services.headcounts(req.db, [meeting])[meeting.id]
    return req.render("meetings/meeting.html", context)


def _scheduling(req: WebRequest, collab: Collaborative | None, form: dict) -> dict | None:
    """The cross-zone aid for the form's proposed time (and the best starts of that day)."""
    if collab is None or not form.get("starts") or not form.get("time_zone"):
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
    attendees = services.attendees(req.db, collab, req.today, req.settings.network_time_zone)
    groups = scheduling.zone_table(attendees, starts_at, ends_at)
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    return {"groups": groups, "people": len(attendees), "outside": sum(g.outside for g in groups),
            "suggestions": scheduling.suggest(attendees, starts.date(), form["time_zone"], minutes),
            "zone": form["time_zone"], "minutes": minutes}


def _collab_choices(req: WebRequest) -> list[Collaborative]:
    stmt = select(Collaborative).where(Collaborative.status != "retired").order_by(Collaborative.name)
    if not req.actor.is_dpl:
        stmt = stmt.where(Collaborative.id.in_(sorted(req.actor.core_of)))
    return list(req.db.scalars(stmt))


def _meeting_form(req: WebRequest, meeting: Meeting | None, form: dict, errors: dict, status: int = 200,
                  collab: Collaborative | None = None):
    collab = collab or (meeting.collaborative if meeting else None)
    if collab is None and form.get("collaborative"):
        collab = req.db.scalar(select(Collaborative).where(Collaborative.slug == form["collaborative"]))
    confs = services.conferences(req.db, since=_today(req) - timedelta(days=400))
    return req.render("meetings/meeting_form.html", {
        "meeting": meeting, "form": form, "errors": errors, "zones": ZONES,
        "collabs": [(c.slug, c.name) for c in _collab_choices(req)] if meeting is None else [],
        "modes": [(m.value, m.label) for m in MeetingMode], "repeats": REPEAT_CHOICES,
        "conferences": [(c.slug, f"{c.name} ({c.starts_on:%-d %b %Y}, {c.city})") for c in confs],
        "aid": _scheduling(req, collab, form)}, status)


def _form_values(req: WebRequest) -> dict:
    keys = ("collaborative", "title", "mode", "time_zone", "starts", "ends", "place", "join_url", "description",
            "conference", "repeat", "rrule", "repeat_until", "agenda_final_by")
    return {k: (req.form.get(k) or "").strip() for k in keys}


def _recurrence(form: dict, values: dict) -> None:
    """The form's "repeat" choice becomes an RRULE (an explicit rule typed in wins)."""
    repeat = values.pop("repeat", None)
    if values.get("rrule"):
        return
    starts = values.get("starts")
    values["rrule"] = services.rule_from_choice(repeat, starts.date()) if starts else None


@page("meeting.edit")
def new_meeting(req: WebRequest):
    """M1: a Core member schedules a meeting (a draft until published), with the cross-zone aid."""
    choices = _collab_choices(req)
    first = req.query("collaborative") or (choices[0].slug if len(choices) == 1 else "")
    form = {"collaborative": first, "title": "", "mode": "virtual", "time_zone": req.viewer_zone, "starts": "",
            "ends": "", "place": "", "join_url": "", "description": "", "conference": req.query("conference", ""),
            "repeat": "none", "rrule": "", "repeat_until": "", "agenda_final_by": ""}
    if req.method == "POST":
        form = _form_values(req)
        if req.form.get("check"):
            return _meeting_form(req, None, form, {})
        try:
            data = req.parse(MeetingIn)
            collab = get_collaborative(req.db, req.actor, data.collaborative)
            req.require("meeting.edit", collab)
            values = data.model_dump(exclude={"collaborative"})
            _recurrence(form, values)
            meeting = services.create_meeting(req.db, req.actor, collab, **values)
            return req.redirect(req.url_for("meeting", meeting_id=meeting.id),
                                flash="The meeting is saved as a draft. Write its agenda, then publish it.")
        except NotFound:
            return _meeting_form(req, None, form, {"collaborative": "Choose a collaborative whose Core you serve on"}, 422)
        except DomainError as exc:
            return _meeting_form(req, None, form, exc.field_messages(), 422)
    return _meeting_form(req, None, form, {})


def _local_input(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M") if value else ""


@page("meeting.edit")
def edit_meeting(req: WebRequest):
    meeting = _meeting(req)
    req.require("meeting.edit", meeting.collaborative)
    form = {"collaborative": meeting.collaborative.slug, "title": meeting.title, "mode": meeting.mode,
            "time_zone": meeting.time_zone, "starts": _local_input(meeting.local_start),
            "ends": _local_input(meeting.local_end), "place": meeting.place, "join_url": meeting.join_url or "",
            "description": meeting.description, "conference": meeting.conference.slug if meeting.conference else "",
            "repeat": "none", "rrule": meeting.rrule or "",
            "repeat_until": meeting.repeat_until.isoformat() if meeting.repeat_until else "",
            "agenda_final_by": meeting.agenda_final_by.isoformat() if meeting.agenda_final_by else ""}
    if req.method == "POST":
        form = _form_values(req)
        form["collaborative"] = meeting.collaborative.slug
        if req.form.get("check"):
            return _meeting_form(req, meeting, form, {})
        try:
            data = req.parse(MeetingUpdate)
            values = data.model_dump()
            values["repeat"] = form.get("repeat")
            _recurrence(form, values)
            values["conference"] = values.get("conference") or None
            changed = len(meeting.occurrences)
            services.update_meeting(req.db, req.actor, meeting, **values)
            dropped = changed - len(meeting.occurrences)
            return req.redirect(req.url_for("meeting", meeting_id=meeting.id), flash="Saved." + (
                f" {dropped} moved or cancelled occurrence(s) are no longer in the changed series and were dropped."
                if dropped else ""))
        except DomainError as exc:
            return _meeting_form(req, meeting, form, exc.field_messages(), 422)
    return _meeting_form(req, meeting, form, {})


@page("meeting.edit")
def publish_meeting(req: WebRequest):
    """M2: publish a draft: it appears in calendars."""
    meeting = _meeting(req)
    services.publish_meeting(req.db, req.actor, meeting)
    return req.redirect(req.url_for("meeting", meeting_id=meeting.id),
                        flash="Published: subscribers will see it at their next calendar refresh.")


@page("meeting.edit")
def cancel_meeting(req: WebRequest):
    """M2: cancel (after a confirmation page); it stays in feeds as cancelled."""
    meeting = _meeting(req)
    req.require("meeting.edit", meeting.collaborative)
    if req.method == "POST":
        try:
            data = req.parse(CancelIn)
            services.cancel_meeting(req.db, req.actor, meeting, data.reason)
            return req.redirect(req.url_for("meeting", meeting_id=meeting.id),
                                flash="Cancelled. Subscribers' calendars will show it as cancelled.")
        except DomainError as exc:
            return req.render("meetings/cancel.html", {"meeting": meeting, "errors": exc.field_messages()}, 422)
    return req.render("meetings/cancel.html", {"meeting": meeting, "errors": {}})


@page("meeting.edit")
def delete_meeting(req: WebRequest):
    meeting = _meeting(req)
    collab = meeting.collaborative
    services.delete_draft(req.db, req.actor, meeting)
    return req.redirect(req.url_for("collaborative", slug=collab.slug), flash="The draft is deleted.")


@page("meeting.edit")
def change_occurrence(req: WebRequest):
    """M1: move or cancel one occurrence of a recurring meeting."""
    meeting = _meeting(req)
    try:
        data = req.parse(OccurrenceIn)
        if data.action not in ("move", "cancel"):
            raise DomainError("M1", "move or cancel an occurrence", field="action")
        services.change_occurrence(req.db, req.actor, meeting, data.original_start, cancel=data.action == "cancel",
                                   starts=data.starts, ends=data.ends, note=data.note)
    except DomainError as exc:
        return req.render("meetings/error_back.html", {"meeting": meeting, "message": str(exc)}, 422)
    return req.redirect(req.url_for("meeting", meeting_id=meeting.id),
                        flash="The occurrence is moved." if data.action == "move" else "The occurrence is cancelled.")


# --- agenda (M3) ---------------------------------------------------------------------------------

@page("agenda.edit")
def edit_agenda(req: WebRequest):
    """M3: the Core writes the agenda: items, order, running total against the length, final-by date."""
    meeting = _meeting(req)
    req.require("agenda.edit", meeting.collaborative)
    errors: dict = {}
    form = {"title": "", "presenter": "", "minutes": "", "notes": "", "milestone_id": ""}
    if req.method == "POST":
        op = req.form.get("op", "add")
        item_id = int(req.form.get("item_id") or 0)
        try:
            if op == "add":
                form = {k: req.form.get(k, "") for k in form}
                services.add_agenda_item(req.db, req.actor, meeting, **req.parse(AgendaFormIn).model_dump())
            elif op == "update":
                services.update_agenda_item(req.db, req.actor, meeting, item_id,
                                            **req.parse(AgendaFormIn).model_dump())
            elif op == "delete":
                services.delete_agenda_item(req.db, req.actor, meeting, item_id)
            elif op in ("up", "down"):
                services.move_agenda_item(req.db, req.actor, meeting, item_id, op)
            elif op == "final_by":
                day = req.form.get("agenda_final_by") or None
                services.update_agenda_timeline(req.db, req.actor, meeting, date.fromisoformat(day) if day else None)
            return req.redirect(req.url_for("agenda", meeting_id=meeting.id) + "#agenda",
                                flash=_agenda_flash(meeting))
        except ValueError:
            errors = {"agenda_final_by": "Give a date such as 2027-03-11"}
        except DomainError as exc:
            errors = exc.field_messages()
        return _agenda_page(req, meeting, form, errors, 422)
    return _agenda_page(req, meeting, form, errors)


def _agenda_page(req: WebRequest, meeting: Meeting, form: dict, errors: dict, status: int = 200):
    """M3: the agenda editor, with the milestones of the collaborative's plans to link items to."""
    choices = services.milestone_choices(req.db, meeting.collaborative_id)
    return req.render("meetings/agenda.html", {
        "meeting": meeting, "form": form, "errors": errors, "summary": services.agenda_summary(meeting),
        "milestone_choices": list(choices.items()), "milestones": services.agenda_milestones(req.db, meeting)},
        status)


def _agenda_flash(meeting: Meeting) -> str:
    s = services.agenda_summary(meeting)
    return s.warning or f"The agenda is saved: {s.total} of {s.length} minutes allotted."


@page("meeting.view")
def print_agenda(req: WebRequest):
    """M3: the printable agenda."""
    meeting = _meeting(req)
    slots, at = [], meeting.local_start
    for item in meeting.agenda:
        slots.append(at)
        at += timedelta(minutes=item.minutes)
    return req.render("meetings/agenda_print.html", {"meeting": meeting, "slots": slots,
                                                     "summary": services.agenda_summary(meeting),
                                                     "milestones": services.agenda_milestones(req.db, meeting)})


# --- minutes and attendance (M4) ----------------------------------------------------------------------

def occurrence_param(value: str | None) -> datetime | None:
    """M4: an occurrence named by its start as the series' rule generates it (ISO, e.g. 2027-02-09T16:00)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise DomainError("M4", "name the occurrence by its start, e.g. 2027-02-09T16:00", field="occurrence") from None


def _minutes_page(req: WebRequest, meeting: Meeting, occurrence: times.Occurrence, now: datetime,
                  errors: dict | None = None, form: dict | None = None, status: int = 200):
    key = occurrence.original_start
    can_edit = req.can("meeting.edit", meeting.collaborative)
    try:
        services.recordable_occurrence(meeting, key, now)
        refusal = None
    except DomainError as exc:
        refusal = str(exc)
    row = services.minutes_of(req.db, meeting, key)
    return req.render("meetings/minutes.html", {
        "meeting": meeting, "occurrence": occurrence, "occurrence_param": key.strftime("%Y-%m-%dT%H:%M"),
        "row": row, "can_edit": can_edit, "refusal": refusal, "errors": errors or {},
        "recorded": services.attendance_list(req.db, meeting, key),
        "people": services.expected_people(req.db, meeting, occurrence.local_start.date()) if can_edit else [],
        "attendance": form["attendance"] if form else services.attendance_of(req.db, meeting, key),
        "text": form["text"] if form else (row.text if row else "")}, status)


def _occurrence_or_404(meeting: Meeting, value: datetime) -> times.Occurrence:
    occurrence = services.occurrence_at(meeting, value)
    if occurrence is None:
        raise NotFound()
    return occurrence


@page("signed_in")
def minutes(req: WebRequest):
    """M4: the minutes and attendance of one occurrence (``?occurrence=``; by default a single meeting's
    only one, or a series' latest that has started), for signed-in people; the Core records them."""
    meeting = _meeting(req)
    now = now_utc()
    wanted = occurrence_param(req.query("occurrence"))
    if wanted is None:
        latest = services.latest_occurrence(meeting, now) if meeting.is_recurring else None
        wanted = latest.original_start if latest else meeting.local_start
    return _minutes_page(req, meeting, _occurrence_or_404(meeting, wanted), now)


@page("meeting.edit")
def record_minutes(req: WebRequest):
    """M4: record the minutes and attendance of the occurrence named by ``?occurrence=``."""
    meeting = _meeting(req)
    req.require("meeting.edit", meeting.collaborative)
    now = now_utc()
    wanted = occurrence_param(req.query("occurrence"))
    occurrence = services.occurrence_at(meeting, wanted or meeting.local_start)
    people = services.expected_people(req.db, meeting, occurrence.local_start.date() if occurrence else None)
    marks = {p.id: req.form.get(f"attendance-{p.id}") for p in people}
    marks = {pid: status for pid, status in marks.items() if status}
    try:
        services.record_minutes(req.db, req.actor, meeting, req.form.get("minutes", ""), marks, now=now,
                                occurrence=wanted)
    except DomainError as exc:
        if occurrence is None:
            raise
        return _minutes_page(req, meeting, occurrence, now, exc.field_messages(),
                             {"attendance": marks, "text": req.form.get("minutes", "")}, 422)
    return req.redirect(req.url_for("meeting", meeting_id=meeting.id) + "#minutes",
                        flash="Minutes and attendance saved.")


# --- calendars and feeds (M5) ------------------------------------------------------------------------

def _http_date(value: datetime) -> str:
    return format_datetime(value.astimezone(timezone.utc).replace(microsecond=0), usegmt=True)


def feed_response(req: WebRequest, scope: feeds.FeedScope, filename: str, *, private: bool) -> Response:
    """text/calendar with ETag and Last-Modified; a matching conditional request gets 304 from the
    fingerprint alone, without loading or rendering the feed."""
    fp = feeds.fingerprint(req.db, scope)
    headers = {"ETag": fp.etag,
               "Cache-Control": ("private" if private else "public") + ", max-age=300, must-revalidate"}
    if private:
        headers["X-Robots-Tag"] = "noindex"
    if fp.last_modified is not None:
        headers["Last-Modified"] = _http_date(fp.last_modified)
    inm = req.request.headers.get("if-none-match")
    ims = req.request.headers.get("if-modified-since")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        if fp.etag in tags or "*" in tags:
            return Response(status_code=304, headers=headers)
    elif ims and fp.last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
            if since.tzinfo is not None and fp.last_modified.replace(microsecond=0) <= since:
                return Response(status_code=304, headers=headers)
        except (TypeError, ValueError):
            pass
    body = feeds.render(req.db, scope, req.settings.base_url, fp.etag)
    disposition = "attachment" if req.query("download") else "inline"
    headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


@page("public")
def collaborative_feed(req: WebRequest):
    """M5: a collaborative's meetings, public while it is active."""
    collab = req.db.scalar(select(Collaborative).where(Collaborative.slug == req.path_params["slug"]))
    if collab is None or not collab.is_active:
        raise NotFound()
    scope = feeds.collaborative_scope(collab, req.settings.base_url, _network(req))
    return feed_response(req, scope, f"{collab.slug}.ics", private=False)


@page("public")
def conferences_feed(req: WebRequest):
    """M5: the network's conferences and institutes."""
    return feed_response(req, feeds.conferences_scope(req.settings.base_url, _network(req)), "conferences.ics",
                         private=False)


@page("public")
def person_feed(req: WebRequest):
    """M5: a person's feed, behind a secret token; unknown or revoked tokens get a bare 404."""
    row = services.find_token(req.db, FeedKind.PERSON, req.path_params["feed_token"])
    if row is None or row.person is None or not row.person.is_active:
        raise NotFound()
    scope = feeds.person_scope(req.db, row.person, _today(req), req.settings.base_url, _network(req))
    return feed_response(req, scope, "my-collaboratives.ics", private=True)


@page("public")
def school_feed(req: WebRequest):
    """M5: a school's feed (the days its faculty on Cores are owed), behind a secret token."""
    row = services.find_token(req.db, FeedKind.SCHOOL, req.path_params["feed_token"])
    if row is None or row.school is None:
        raise NotFound()
    scope = feeds.school_scope(req.db, row.school, req.settings.base_url, _network(req))
    return feed_response(req, scope, f"{row.school.slug}.ics", private=True)


@page("meeting.view")
def meeting_ics(req: WebRequest):
    """M5: one meeting's .ics, for "add to my calendar". M2: a draft is in no calendar, so it has
    none (even for its editors: the file would announce it as confirmed)."""
    meeting = _meeting(req)
    if meeting.is_draft:
        raise NotFound()
    base = req.settings.base_url.rstrip("/")
    data = ical.FeedData(name=meeting.title, uid=f"meeting-{meeting.id}-file@{ical.host_of(base)}",
                         url=f"{base}/meetings/{meeting.id}",
                         events=ical.meeting_events(meeting, ical.host_of(base), f"{base}/meetings/{meeting.id}"))
    return Response(ical.build_calendar(data), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"'})


def _school_feeds(req: WebRequest) -> list[School]:
    if req.actor.is_dpl:
        return []
    if req.actor.has(Role.SCHOOL_COORDINATOR) and req.person.school is not None:
        return [req.person.school]
    return []


@page("feed.manage")
def calendars(req: WebRequest):
    """M5: one's calendar subscriptions: the secret personal link, the school's (coordinators),
    one's collaboratives' public feeds and the conferences."""
    person_row = services.active_token(req.db, FeedKind.PERSON, req.actor.id)
    schools = [(s, services.active_token(req.db, FeedKind.SCHOOL, s.id)) for s in _school_feeds(req)]
    ids = sorted(req.actor.member_of | req.actor.core_of)
    collabs = req.db.scalars(select(Collaborative).where(Collaborative.id.in_(ids), Collaborative.status == "active")
                             .order_by(Collaborative.name)).all()
    return req.render("meetings/calendars.html", {
        "person_row": person_row, "person_links": token_links(req, person_row) if person_row else None,
        "schools": [(s, row, token_links(req, row) if row else None) for s, row in schools],
        "collabs": [(c, feed_links(req, req.url_for("collaborative_feed", slug=c.slug))) for c in collabs],
        "conf_links": feed_links(req, req.url_for("conferences_feed"))})


@page("feed.manage")
def create_feed_token(req: WebRequest):
    """M5: create or regenerate a secret link (the old one stops working)."""
    kind = req.form.get("kind") or FeedKind.PERSON
    owner = req.actor.id
    if kind == FeedKind.SCHOOL:
        school = req.db.scalar(select(School).where(School.slug == (req.form.get("school") or "")))
        if school is None:
            raise NotFound()
        owner = school.id
    services.issue_token(req.db, req.actor, kind, owner, req.settings.secret_key)
    return req.redirect(req.url_for("calendars"), flash="A new secret calendar link is ready; "
                        "any earlier link no longer works.")


@page("feed.manage")
def revoke_feed_token(req: WebRequest):
    row = req.get_or_404(FeedToken, req.path_params["feed_token_id"])
    services.revoke_token(req.db, req.actor, row)
    return req.redirect(req.url_for("calendars"), flash="The secret calendar link no longer works.")


# --- panels on the dashboard and on a collaborative's page ---------------------------------------------

def dashboard_panel(req: WebRequest) -> dict | None:
    """Upcoming meetings of one's collaboratives (M6: in one's zone); Center staff: planning meetings
    beside conferences with headcounts (S2)."""
    actor = req.actor
    ids = sorted(actor.member_of | actor.core_of)
    rows = services.upcoming(req.db, ids, now_utc(), limit=6, editable=actor.core_of)
    panel: dict[str, Any] = {"template": "meetings/_dashboard_panel.html", "rows": rows, "planning": None}
    if req.can("conference.manage"):
        confs = services.conferences(req.db, since=_today(req))[:3]
        planning = services.planning_meetings(req.db, [c.id for c in confs])
        panel["planning"] = [(c, [m for m in planning if m.conference_id == c.id]) for c in confs]
        panel["headcounts"] = services.headcounts(req.db, planning)
    return panel


def collaborative_panel(req: WebRequest, collab: Collaborative) -> dict | None:
    """A collaborative's upcoming meetings and its calendar subscription links."""
    editable = services.editable_collabs(req.actor)
    if editable is not True:
        editable = [collab.id] if collab.id in editable else []
    rows = services.upcoming(req.db, [collab.id], now_utc(), limit=6, editable=editable, public_only=req.actor is None)
    return {"template": "meetings/_collaborative_panel.html", "rows": rows,
            "links": feed_links(req, req.url_for("collaborative_feed", slug=collab.slug)) if collab.is_active else None}


routes = [
    Route("/conferences", conference_list, name="conferences"),
    Route("/conferences/new", new_conference, methods=["GET", "POST"], name="new_conference"),
    Route("/conferences/{conference:slug}", conference_page, name="conference"),
    Route("/conferences/{conference:slug}/edit", edit_conference, methods=["GET", "POST"], name="edit_conference"),
    Route("/meetings", meeting_list, name="meetings"),
    Route("/meetings/new", new_meeting, methods=["GET", "POST"], name="new_meeting"),
    Route("/meetings/{meeting_id:int}", meeting_page, name="meeting"),
    Route("/meetings/{meeting_id:int}/edit", edit_meeting, methods=["GET", "POST"], name="edit_meeting"),
    Route("/meetings/{meeting_id:int}/publish", publish_meeting, methods=["POST"], name="publish_meeting"),
    Route("/meetings/{meeting_id:int}/cancel", cancel_meeting, methods=["GET", "POST"], name="cancel_meeting"),
    Route("/meetings/{meeting_id:int}/delete", delete_meeting, methods=["POST"], name="delete_meeting"),
    Route("/meetings/{meeting_id:int}/occurrences", change_occurrence, methods=["POST"], name="change_occurrence"),
    Route("/meetings/{meeting_id:int}/agenda", edit_agenda, methods=["GET", "POST"], name="agenda"),
    Route("/meetings/{meeting_id:int}/agenda/print", print_agenda, name="print_agenda"),
    Route("/meetings/{meeting_id:int}/minutes", minutes, methods=["GET"], name="minutes"),
    Route("/meetings/{meeting_id:int}/minutes", record_minutes, methods=["POST"], name="record_minutes"),
    Route("/meetings/{meeting_id:int}/calendar.ics", meeting_ics, name="meeting_ics"),
    Route("/calendars", calendars, name="calendars"),
    Route("/calendars/tokens", create_feed_token, methods=["POST"], name="create_feed_token"),
    Route("/calendars/tokens/{feed_token_id:int}/revoke", revoke_feed_token, methods=["POST"], name="revoke_feed_token"),
    Route("/calendars/conferences.ics", conferences_feed, name="conferences_feed"),
    Route("/calendars/collaboratives/{slug:slug}.ics", collaborative_feed, name="collaborative_feed"),
    Route("/calendars/people/{feed_token}.ics", person_feed, name="person_feed"),
    Route("/calendars/schools/{feed_token}.ics", school_feed, name="school_feed"),
]
