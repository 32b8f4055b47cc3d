"""Pages for conferences (S1), meetings (M1, M2), agendas (M3), minutes (M4), calendars and feeds (M5),
always showing times in the viewer's zone beside the meeting's own (M6)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from zoneinfo import available_timezones

from starlette.responses import Response
from starlette.routing import Route

from ..clock import now_utc
from ..templating import local_dt
from ..errors import DomainError, NotFound, PermissionDenied
from ..network import services as network
from ..network.models import Collaborative
from ..web import Waiting, WebRequest, form_page, page, paginate, posted
from . import (agendas, conferences, feed_tokens, feeds, forms, invitations, minutes, planning, reach, rsvps,
               services, times)
from .links import feed_links, token_links
from .scheduling import dst_warnings
from .models import ConferenceKind, Meeting, MeetingMode, MeetingStatus, RsvpAnswer, SupportStatus
from .schemas import (AgendaFormIn, CancelIn, ConferenceIn, MeetingIn, MeetingUpdate, OccurrenceIn, RsvpIn,
                      SupportIn)

ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/")))


def _meeting(req: WebRequest) -> Meeting:
    return services.get_meeting(req.db, req.actor, req.path_params["meeting_id"])


# --- conferences (S1) ------------------------------------------------------------------------------

@page("public")
def conference_list(req: WebRequest):
    """S1: the network's conferences and institutes, with the subscribe link."""
    show_past = req.query("past") == "1"
    result = paginate(req.db, conferences.conferences_query(None if show_past else req.today - timedelta(days=1)),
                      req.query_int("page", 1), 25)
    return req.render("meetings/conferences.html", {
        "conferences": result.items, "page": result, "show_past": show_past,
        "links": feed_links(req, req.url_for("conferences_feed"))})


def _conference(req: WebRequest):
    return conferences.conference_by_slug(req.db, req.path_params["conference"])


@page("public")
def conference_page(req: WebRequest):
    """S1: a conference; S2: its planning meetings, with headcounts for Center staff."""
    conf = _conference(req)
    shown = conferences.conference_meetings(req.db, req.actor, conf)
    return req.render("meetings/conference.html", {"conf": conf, "planning": shown.planning, "others": shown.others,
                                                   "headcounts": shown.headcounts})


@page("conference.manage")
def conference_support(req: WebRequest):
    """S2: Center staff arrange each planning meeting beside the conference: room, refreshments,
    status, with the headcount from the answers."""
    conf = _conference(req)

    def submit():
        data = req.parse(SupportIn)
        if data.meeting_id is None:
            raise DomainError("S2", "choose the planning meeting", field="meeting_id")
        meeting = services.get_meeting(req.db, req.actor, data.meeting_id)
        if meeting.conference_id != conf.id:
            raise DomainError("S2", "that meeting is not beside this conference", field="meeting_id")
        planning.set_support(req.db, req.actor, meeting, room=data.room, coffee=data.coffee, lunch=data.lunch,
                             status=data.status, notes=data.notes, now=now_utc())
        return req.redirect(req.url_for("conference_support", conference=conf.slug) + f"#meeting-{meeting.id}",
                            flash=f"Saved the support for {meeting.collaborative.name}.")

    return form_page(req, "meetings/support.html", form={"meeting_id": ""}, submit=submit, context=lambda: {
        "conf": conf, "lines": planning.support_sheet(req.db, req.actor, conf),
        "statuses": [(s.value, s.value.capitalize()) for s in SupportStatus]})


@page("conference.manage")
def run_sheet(req: WebRequest):
    """S2: the printable run sheet of the planning meetings beside the conference, day by day."""
    conf = _conference(req)
    return req.render("meetings/run_sheet.html", {"conf": conf, "lines": planning.support_sheet(req.db, req.actor, conf)})


@page("conference.manage")
def support_csv(req: WebRequest):
    """S2: the planning meetings beside the conference as a CSV for the hotel."""
    conf = _conference(req)
    body = planning.support_csv(planning.support_sheet(req.db, req.actor, conf))
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{conf.slug}-planning-meetings.csv"'})


def _conference_form(req: WebRequest, conf, form: dict[str, Any], submit: Callable[[], Response]) -> Response:
    return form_page(req, "meetings/conference_form.html", form=form, submit=submit, context=lambda: {
        "conf": conf, "zones": ZONES, "collabs": network.collaboratives_in_service(req.db),
        "kinds": [(k.value, k.value.title()) for k in ConferenceKind]})


@page("conference.manage")
def new_conference(req: WebRequest):
    """S1: Center staff add a conference or institute."""
    def submit():
        conf = conferences.create_conference(req.db, req.actor, **req.parse(ConferenceIn).model_dump())
        return req.redirect(req.url_for("conference", conference=conf.slug), flash=f"Added {conf.name}.")

    return _conference_form(req, None, forms.new_conference_form(), submit)


@page("conference.manage")
def edit_conference(req: WebRequest):
    """S1: change a conference (its calendar SEQUENCE goes up)."""
    conf = _conference(req)

    def submit():
        conferences.update_conference(req.db, req.actor, conf, **forms.conference_changes(req.parse(ConferenceIn)))
        return req.redirect(req.url_for("conference", conference=conf.slug), flash=f"Saved {conf.name}.")

    return _conference_form(req, conf, forms.conference_form(conf), submit)


# --- meetings (M1, M2, M6) -------------------------------------------------------------------------

MEETING_FILTERS = ("collaborative", "mine", "mode", "when")


@page("public")
def meeting_list(req: WebRequest):
    """M2: the meetings the viewer may see, 25 a page in SQL: upcoming (soonest first) or past (latest
    first), of a collaborative or of one's own, in a mode; each with its next (or latest) occurrence in
    the viewer's zone and the meeting's own beside it (M6)."""
    collab = None
    ids = None
    if req.query("collaborative"):
        collab = network.get_collaborative(req.db, req.actor, req.query("collaborative"))
        ids = [collab.id]
    elif req.query("mine") == "1" and req.actor is not None:
        ids = sorted(req.actor.member_of | req.actor.core_of)
    past, now = req.query("when") == "past", now_utc()
    stmt = services.meeting_list_query(req.actor, now, collab_ids=ids, mode=req.query("mode"), past=past)
    result = paginate(req.db, stmt, req.query_int("page", 1), 25)
    return req.render("meetings/list.html", {
        "rows": services.listed_occurrences(result.items, now, past), "page": result, "past": past,
        "collab": collab, "mine": req.query("mine") == "1",
        "filters": {k: req.query(k, "") for k in MEETING_FILTERS},
        "modes": [(m.value, m.label) for m in MeetingMode],
        "empty_text": "No past meetings." if past else "No upcoming meetings.", "series_note": True,
        "conf_links": feed_links(req, req.url_for("conferences_feed")),
        "collab_links": feed_links(req, req.url_for("collaborative_feed", slug=collab.slug)) if collab else None})


def _meeting_context(req: WebRequest, meeting: Meeting) -> dict[str, Any]:
    now = now_utc()
    occurrences = times.expand(meeting)
    context = {
        "meeting": meeting, "occurrences": occurrences,
        "upcoming_occurrences": [o for o in occurrences if o.ends_at >= now][:12],
        "summary": agendas.agenda_summary(meeting), "now": now,
        "can_edit": req.can("meeting.edit", meeting.collaborative),
        "ics": req.url_for("meeting_ics", meeting_id=meeting.id),
        "collab_links": feed_links(req, req.url_for("collaborative_feed", slug=meeting.collaborative.slug)),
        "milestones": agendas.agenda_milestones(req.db, req.actor, meeting),
        # M4: minutes and attendance are for signed-in people (the API answers visitors 404 too).
        "show_minutes": req.can("minutes.view", meeting), "minutes": None, "attendance": [], "past": [],
        "headcount": None, "rsvp": None, "answerable": [], "may_answer": req.can("rsvp.answer", meeting),
        "answers": [(a.value, a.label) for a in RsvpAnswer], "panels": req.panels("meeting", meeting),
    }
    if context["show_minutes"]:
        recorded = minutes.minutes_by_occurrence(req.db, req.actor, meeting)
        if meeting.is_recurring:
            # Every occurrence that has started, each with its own minutes (or none yet).
            context["past"] = [(o, recorded.get(o.original_start)) for o in times.past_occurrences(meeting, now)]
        else:
            context["minutes"] = recorded.get(meeting.local_start)
            if context["minutes"] is not None:
                context["attendance"] = minutes.attendance_list(req.db, req.actor, meeting, meeting.local_start)
        # M4/S2: who is coming to the occurrence asked for (?occurrence=), else the next one.
        context["answerable"] = rsvps.answerable(meeting, now)
        wanted = forms.occurrence_param(req.query("occurrence"))
        chosen = times.occurrence_at(meeting, wanted) if wanted else None
        chosen = chosen or (context["answerable"][0] if context["answerable"] else None)
        if chosen is not None:
            context["rsvp"] = rsvps.answers_for(req.db, req.actor, meeting, chosen, can_edit=context["can_edit"])
        context["occurrence_choices"] = [(forms.occurrence_value(o.original_start),
                                          local_dt(o.starts_at, req.viewer_zone)) for o in context["answerable"]]
        context["chosen_occurrence"] = forms.occurrence_value(chosen.original_start) if chosen else ""
    if meeting.is_planning and req.can("conference.manage"):
        context["headcount"] = planning.headcounts(req.db, req.actor, [meeting])[meeting.id]
    return context


@page("meeting.view")
def meeting_page(req: WebRequest):
    """M1–M6: the meeting, its occurrences, agenda, answers, minutes and calendar links."""
    return req.render("meetings/meeting.html", _meeting_context(req, _meeting(req)))


@page("rsvp.answer")
def answer_meeting(req: WebRequest):
    """M4/S2: a member or Core member says whether they are going (to one occurrence of a series)."""
    meeting = _meeting(req)

    def submit():
        data = req.parse(RsvpIn)
        rsvps.answer(req.db, req.actor, meeting, data.occurrence, data.answer, data.note, now=now_utc())
        where = f"?occurrence={data.occurrence:%Y-%m-%dT%H:%M}" if data.occurrence else ""
        return req.redirect(req.url_for("meeting", meeting_id=meeting.id) + where + "#rsvp",
                            flash="Your answer is saved.")

    return form_page(req, "meetings/meeting.html", form={"answer": "", "note": "", "occurrence": ""},
                     submit=submit, context=lambda: _meeting_context(req, meeting))


def _aid(req: WebRequest, values: dict[str, Any]) -> services.SchedulingAid | None:
    """The cross-zone aid for the time the form proposes, once it proposes one."""
    wanted = forms.aid_request(values)
    if wanted is None or not values.get("collaborative"):
        return None
    try:
        collab = network.get_collaborative(req.db, req.actor, values["collaborative"])
        return services.scheduling_aid(req.db, req.actor, collab, wanted.starts, wanted.time_zone, wanted.minutes,
                                       req.today, req.settings.network_time_zone)
    except (DomainError, NotFound, PermissionDenied):
        # A help beside the form, not a step of it: a form it cannot help with simply shows none.
        return None


def _meeting_form(req: WebRequest, meeting: Meeting | None, form: dict[str, str],
                  save: Callable[[], Response], choices: list[Collaborative] = ()) -> Response:
    """M1: the meeting form, with the cross-zone aid for the time it proposes. Its "check times"
    button shows the form again with the aid, and saves nothing; so does each best start the aid
    suggests (M6), with that start filled in and the rest as typed."""
    def context(values: dict[str, Any] | None = None) -> dict[str, Any]:
        confs = conferences.all_conferences(req.db, since=req.today - timedelta(days=400))
        return {"meeting": meeting, "zones": ZONES, "collabs": [(c.slug, c.name) for c in choices],
                "modes": [(m.value, m.label) for m in MeetingMode], "repeats": forms.REPEAT_CHOICES,
                "conferences": [(c.slug, f"{c.name} ({c.starts_on:%-d %b %Y}, {c.city})") for c in confs],
                "aid": _aid(req, values or posted(req.form, form))}

    def submit() -> Response:
        if req.form.get("check") or req.form.get("use_start"):
            values = posted(req.form, form)
            if req.form.get("use_start"):
                values = forms.with_start(values, req.form.get("use_start"))
            return req.render("meetings/meeting_form.html", {**context(values), "form": values, "errors": {}})
        return save()

    return form_page(req, "meetings/meeting_form.html", form=form, submit=submit, context=context)


@page("meeting.edit")
def new_meeting(req: WebRequest):
    """M1: a Core member schedules a meeting (a draft until published), with the cross-zone aid."""
    choices = services.collaboratives_to_schedule(req.db, req.actor)
    first = req.query("collaborative") or (choices[0].slug if len(choices) == 1 else "")

    def save():
        data = req.parse(MeetingIn)
        values = forms.with_rule(data.model_dump(exclude={"collaborative", "repeat"}), data.repeat)
        meeting = services.schedule_meeting(req.db, req.actor, data.collaborative, **values)
        req.flash("The meeting is saved as a draft. Write its agenda, then publish it.")
        if meeting.starts_at < now_utc():
            req.flash(f"It starts in the past ({local_dt(meeting.starts_at, req.viewer_zone)} your time): "
                      "check the date, or record a meeting that took place as such.", "warning")
        for warning in dst_warnings(meeting):
            req.flash(warning, "warning")
        return req.redirect(req.url_for("meeting", meeting_id=meeting.id))

    form = forms.new_meeting_form(first, req.query("conference", ""), req.viewer_zone)
    return _meeting_form(req, None, form, save, choices)


@page("meeting.edit")
def edit_meeting(req: WebRequest):
    """M1: change a meeting (M5: subscribers' copies follow)."""
    meeting = services.meeting_for_editing(req.db, req.actor, req.path_params["meeting_id"])

    def save():
        values = forms.with_rule(req.parse(MeetingUpdate).model_dump(), req.form.get("repeat"))
        values["conference"] = values.get("conference") or None
        before = len(meeting.occurrences)
        services.update_meeting(req.db, req.actor, meeting, **values)
        dropped = before - len(meeting.occurrences)
        for warning in dst_warnings(meeting):
            req.flash(warning, "warning")
        return req.redirect(req.url_for("meeting", meeting_id=meeting.id), flash="Saved." + (
            f" {dropped} moved or cancelled occurrence(s) are no longer in the changed series and were dropped."
            if dropped else ""))

    return _meeting_form(req, meeting, forms.meeting_form(meeting), save)


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
    meeting = services.meeting_for_editing(req.db, req.actor, req.path_params["meeting_id"])

    def submit():
        services.cancel_meeting(req.db, req.actor, meeting, req.parse(CancelIn).reason)
        return req.redirect(req.url_for("meeting", meeting_id=meeting.id),
                            flash="Cancelled. Subscribers' calendars will show it as cancelled.")

    return form_page(req, "meetings/cancel.html", form={"reason": ""}, submit=submit, context=lambda: {
        "meeting": meeting, "reach": reach.cancellation_reach(req.db, req.actor, meeting, req.today)})


@page("meeting.edit")
def send_invitations(req: WebRequest):
    """M5: send the meeting to its expected people as a calendar invitation (updates to those whose
    copy is out of date)."""
    meeting = services.meeting_for_editing(req.db, req.actor, req.path_params["meeting_id"])
    sent = invitations.send_invitations(req.db, req.actor, meeting, req.today, req.settings)
    if not (sent.invited or sent.updated):
        message = "Everyone expected already has the invitation."
    else:
        message = (f"Invitation sent to {sent.invited} {'person' if sent.invited == 1 else 'people'}"
                   + (f", update to {sent.updated}" if sent.updated else "") + ".")
        if not req.settings.mail_configured:
            message += " Mail is not configured here: the messages wait in the outbox."
    return req.redirect(req.url_for("meeting", meeting_id=meeting.id) + "#invitations", flash=message)


@page("meeting.edit")
def delete_meeting(req: WebRequest):
    """M2: delete a draft."""
    meeting = _meeting(req)
    collab = meeting.collaborative
    services.delete_draft(req.db, req.actor, meeting)
    return req.redirect(req.url_for("collaborative", slug=collab.slug), flash="The draft is deleted.")


@page("meeting.edit")
def change_occurrence(req: WebRequest):
    """M1: move one occurrence of a recurring meeting. A cancellation is asked for on its own page
    first (``cancel_occurrence``): a form posting one is sent there, and cancels nothing."""
    meeting = services.meeting_for_editing(req.db, req.actor, req.path_params["meeting_id"])
    try:
        data = req.parse(OccurrenceIn)
        if forms.cancels(data.action):
            return req.redirect(req.url_for("cancel_occurrence", meeting_id=meeting.id,
                                            occurrence=forms.occurrence_value(data.original_start)))
        services.change_occurrence(req.db, req.actor, meeting, data.original_start, cancel=forms.cancels(data.action),
                                   starts=data.starts, ends=data.ends, note=data.note)
    except DomainError as exc:
        return req.render("meetings/error_back.html", {"meeting": meeting, "message": str(exc)}, 422)
    return req.redirect(req.url_for("meeting", meeting_id=meeting.id), flash="The occurrence is moved.")


@page("meeting.edit")
def cancel_occurrence(req: WebRequest):
    """M1/M5: cancel one occurrence of a series, after a page saying whose calendars drop it and who
    is told (a GET changes nothing)."""
    meeting = services.meeting_for_editing(req.db, req.actor, req.path_params["meeting_id"])
    original = forms.occurrence_param(req.path_params["occurrence"])
    occurrence = services.occurrence_to_cancel(req.actor, meeting, original)

    def submit():
        services.change_occurrence(req.db, req.actor, meeting, original, cancel=True, note=req.form.get("note", ""))
        return req.redirect(req.url_for("meeting", meeting_id=meeting.id),
                            flash=f"The occurrence of {original:%a %-d %b %Y} is cancelled; subscribers' calendars "
                                  "drop it at their next refresh. It can be restored from this page.")

    return form_page(req, "meetings/cancel_occurrence.html", form={"note": ""}, submit=submit, context=lambda: {
        "meeting": meeting, "occurrence": occurrence,
        "reach": reach.cancellation_reach(req.db, req.actor, meeting, req.today)})


@page("meeting.edit")
def restore_occurrence(req: WebRequest):
    """M1/M5: bring back a cancelled occurrence of a series; calendars show it again."""
    meeting = _meeting(req)
    original = forms.occurrence_param(req.path_params["occurrence"])
    try:
        services.restore_occurrence(req.db, req.actor, meeting, original)
    except DomainError as exc:
        return req.render("meetings/error_back.html", {"meeting": meeting, "message": str(exc)}, 422)
    return req.redirect(req.url_for("meeting", meeting_id=meeting.id),
                        flash=f"The occurrence of {original:%a %-d %b %Y} is restored; subscribers' calendars "
                              "show it again at their next refresh.")


# --- agenda (M3) ---------------------------------------------------------------------------------

def _agenda_saved(req: WebRequest, meeting: Meeting) -> None:
    """M3: say the agenda is saved, or warn (as a warning, not a success) that it runs over."""
    s = agendas.agenda_summary(meeting)
    if s.warning:
        req.flash(s.warning, "warning")
    else:
        req.flash(f"The agenda is saved: {s.total} of {s.length} minutes allotted.")


@page("agenda.edit")
def edit_agenda(req: WebRequest):
    """M3: the Core writes the agenda: items, order, running total against the length, final-by date."""
    editor = agendas.agenda_editor(req.db, req.actor, req.path_params["meeting_id"])
    meeting = editor.meeting

    def submit():
        op = req.form.get("op", "add")
        item_id = forms.agenda_item_id(req.form)
        if op == "add":
            agendas.add_agenda_item(req.db, req.actor, meeting, **req.parse(AgendaFormIn).model_dump())
        elif op == "update":
            agendas.update_agenda_item(req.db, req.actor, meeting, item_id, **req.parse(AgendaFormIn).model_dump())
        elif op == "delete":
            agendas.delete_agenda_item(req.db, req.actor, meeting, item_id)
        elif op in ("up", "down"):
            agendas.move_agenda_item(req.db, req.actor, meeting, item_id, op)
        elif op == "final_by":
            agendas.update_agenda_timeline(req.db, req.actor, meeting, forms.final_by(req.form))
        _agenda_saved(req, meeting)
        return req.redirect(req.url_for("agenda", meeting_id=meeting.id) + "#agenda")

    def context() -> dict[str, Any]:
        # After a refusal the change was rolled back: show the agenda as it is stored.
        shown = editor if req.method != "POST" else agendas.agenda_editor(req.db, req.actor, meeting.id)
        return {"meeting": shown.meeting, "summary": shown.summary, "milestones": shown.milestones,
                "milestone_choices": list(shown.milestone_choices.items())}

    return form_page(req, "meetings/agenda.html", form=forms.AGENDA_FORM, submit=submit, context=context)


@page("meeting.view")
def print_agenda(req: WebRequest):
    """M3: the printable agenda."""
    meeting = _meeting(req)
    slots, at = [], meeting.local_start
    for item in meeting.agenda:
        slots.append(at)
        at += timedelta(minutes=item.minutes)
    return req.render("meetings/agenda_print.html", {
        "meeting": meeting, "slots": slots, "summary": agendas.agenda_summary(meeting),
        "milestones": agendas.agenda_milestones(req.db, req.actor, meeting)})


# --- minutes and attendance (M4) ----------------------------------------------------------------------

def _minutes_page(req: WebRequest, meeting: Meeting, occurrence: datetime | None,
                  submit: Callable[[minutes.MinutesSheet], Response] | None = None) -> Response:
    """M4: the minutes of one occurrence; for its Core, the form recording them."""
    now = now_utc()
    sheet = minutes.minutes_sheet(req.db, req.actor, meeting, occurrence, now)

    def context() -> dict[str, Any]:
        # After a refusal the change was rolled back: show what is stored.
        shown = sheet if req.method != "POST" else minutes.minutes_sheet(req.db, req.actor, meeting, occurrence, now)
        return {"meeting": meeting, "occurrence": shown.occurrence, "row": shown.row, "can_edit": shown.can_record,
                "occurrence_param": shown.occurrence.original_start.strftime("%Y-%m-%dT%H:%M"),
                "refusal": shown.refusal, "recorded": shown.recorded, "people": shown.people}

    form = forms.minutes_form(sheet.row.text if sheet.row else "", sheet.marks, sheet.people)
    return form_page(req, "meetings/minutes.html", form=form, submit=lambda: submit(sheet), context=context)


@page("signed_in")
def minutes_page(req: WebRequest):
    """M4: the minutes and attendance of one occurrence (``?occurrence=``; by default a single meeting's
    only one, or a series' latest that has started), for signed-in people; the Core records them."""
    return _minutes_page(req, _meeting(req), forms.occurrence_param(req.query("occurrence")))


@page("meeting.edit")
def record_minutes(req: WebRequest):
    """M4: record the minutes and attendance of the occurrence named by ``?occurrence=``."""
    meeting = _meeting(req)
    wanted = forms.occurrence_param(req.query("occurrence"))
    occurrence = minutes.occurrence_to_record(meeting, wanted)

    def submit(sheet: minutes.MinutesSheet):
        minutes.record_minutes(req.db, req.actor, meeting, req.form.get("minutes", ""),
                               forms.attendance_marks(req.form, sheet.people), now=now_utc(), occurrence=wanted)
        return req.redirect(req.url_for("meeting", meeting_id=meeting.id) + "#minutes",
                            flash="Minutes and attendance saved.")

    return _minutes_page(req, meeting, occurrence.original_start, submit)


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
    body = feeds.render(req.db, scope, req.settings.base_url, fp.etag, store_in=req.database)
    disposition = "attachment" if req.query("download") else "inline"
    headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


@page("public")
def collaborative_feed(req: WebRequest):
    """M5: a collaborative's meetings, public while it is active."""
    collab = feeds.public_collaborative(req.db, req.path_params["slug"])
    scope = feeds.collaborative_scope(collab, req.settings.base_url, req.settings.network_name)
    return feed_response(req, scope, f"{collab.slug}.ics", private=False)


@page("public")
def conferences_feed(req: WebRequest):
    """M5: the network's conferences and institutes."""
    return feed_response(req, feeds.conferences_scope(req.settings.base_url, req.settings.network_name),
                         "conferences.ics", private=False)


def _no_such_link() -> Response:
    """M5: what an unknown or revoked secret link answers: a bare 404 (the same for both, so it reveals
    nothing), which a calendar client must not cache."""
    return Response("Not found: this calendar link does not work (it may have been turned off or "
                    "replaced).\n", status_code=404, media_type="text/plain",
                    headers={"Cache-Control": "no-store"})


@page("public")
def person_feed(req: WebRequest):
    """M5: a person's feed, behind a secret token; unknown or revoked tokens get a bare 404."""
    try:
        person = feed_tokens.person_of_link(req.db, req.path_params["feed_token"])
    except NotFound:
        return _no_such_link()
    scope = feeds.person_scope(req.db, person, req.today, req.settings.base_url, req.settings.network_name)
    return feed_response(req, scope, "my-collaboratives.ics", private=True)


@page("public")
def school_feed(req: WebRequest):
    """M5: a school's feed (the days its faculty on Cores are owed), behind a secret token; unknown or
    revoked tokens get a bare 404."""
    try:
        school = feed_tokens.school_of_link(req.db, req.path_params["feed_token"])
    except NotFound:
        return _no_such_link()
    scope = feeds.school_scope(req.db, school, req.settings.base_url, req.settings.network_name)
    return feed_response(req, scope, f"{school.slug}.ics", private=True)


@page("meeting.view")
def meeting_ics(req: WebRequest):
    """M5: one meeting's .ics, for "add to my calendar" (a draft has none, M2)."""
    meeting, body = feeds.meeting_file(req.db, req.actor, req.path_params["meeting_id"], req.settings.base_url)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"'})


@page("feed.manage")
def calendars(req: WebRequest):
    """M5: one's calendar subscriptions: the secret personal link, the school's (coordinators),
    one's collaboratives' public feeds and the conferences."""
    subs = feed_tokens.subscriptions(req.db, req.actor)
    person_row = subs.person_link
    return req.render("meetings/calendars.html", {
        "person_row": person_row, "person_links": token_links(req, person_row) if person_row else None,
        "schools": [(s, row, token_links(req, row) if row else None) for s, row in subs.school_links],
        "collabs": [(c, feed_links(req, req.url_for("collaborative_feed", slug=c.slug))) for c in subs.collaboratives],
        "conf_links": feed_links(req, req.url_for("conferences_feed"))})


@page("feed.manage")
def create_feed_token(req: WebRequest):
    """M5: create or regenerate a secret link (the old one stops working)."""
    issued = feed_tokens.issue_token_for(req.db, req.actor, req.form.get("kind"), req.form.get("school"),
                                         req.settings.secret_key)
    return req.redirect(req.url_for("calendars"), flash="A new secret calendar link is ready; the earlier one "
                        "no longer works." if issued.replaced else "Your secret calendar link is ready.")


@page("feed.manage")
def revoke_feed_token(req: WebRequest):
    """M5: turn a secret link off."""
    row = feed_tokens.get_token(req.db, req.actor, req.path_params["feed_token_id"])
    feed_tokens.revoke_token(req.db, req.actor, row)
    return req.redirect(req.url_for("calendars"), flash="The secret calendar link no longer works.")


# --- panels on the dashboard and on a collaborative's page ---------------------------------------------

def dashboard_panel(req: WebRequest) -> dict | None:
    """Upcoming meetings of one's collaboratives (M6: in one's zone); Center staff: planning meetings
    beside conferences with headcounts (S2)."""
    actor = req.actor
    rows = services.upcoming(req.db, actor, sorted(actor.member_of | actor.core_of), now_utc(), limit=6)
    panel: dict[str, Any] = {"template": "meetings/_dashboard_panel.html", "rows": rows, "planning": None}
    if req.can("conference.manage"):
        panel["planning"], panel["headcounts"] = planning.catering(req.db, actor, req.today)
    return panel


def invitations_panel(req: WebRequest, meeting: Meeting) -> dict | None:
    """M5: on a published (or cancelled) meeting's page, for its editors: who was sent the calendar
    invitation and who is expected but not invited yet, with the button that sends it."""
    if meeting.is_draft or not req.can("meeting.edit", meeting.collaborative):
        return None
    return {"template": "meetings/_invitations_panel.html", "meeting": meeting,
            "state": invitations.invitation_state(req.db, req.actor, meeting, req.today)}


def collaborative_panel(req: WebRequest, collab: Collaborative) -> dict | None:
    """A collaborative's upcoming meetings and its calendar subscription links."""
    rows = services.upcoming(req.db, req.actor, [collab.id], now_utc(), limit=6)
    return {"template": "meetings/_collaborative_panel.html", "rows": rows,
            "links": feed_links(req, req.url_for("collaborative_feed", slug=collab.slug)) if collab.is_active else None}


def retire_panel(req: WebRequest, collab: Collaborative) -> dict | None:
    """K1/M2: on the page asking before a collaborative is retired: its upcoming published meetings,
    which retiring does not cancel (they stay in its members' calendars until each is cancelled)."""
    rows = [(m, o) for m, o in services.upcoming(req.db, req.actor, [collab.id], now_utc(), limit=50)
            if m.status == MeetingStatus.PUBLISHED and not o.is_cancelled]
    nexts: dict[int, tuple[Meeting, times.Occurrence]] = {}
    for m, o in rows:
        nexts.setdefault(m.id, (m, o))
    return {"template": "meetings/_retire_panel.html", "collab": collab, "meetings": list(nexts.values())}


def waiting_for_you(req: WebRequest) -> list[Waiting]:
    """M4: the coming meetings of one's collaboratives one has not answered; S2: for Center staff, the
    planning meetings whose room and refreshments are not arranged yet."""
    out = [Waiting(f"Are you going to {m.title} ({m.collaborative.name}) on "
                   f"{local_dt(o.starts_at, req.viewer_zone, '%a %-d %b %Y')}?",
                   req.url_for("meeting", meeting_id=m.id) + f"?occurrence={forms.occurrence_value(o.original_start)}"
                   + "#rsvp", "M4") for m, o in services.awaiting_answer(req.db, req.actor, now_utc())]
    if req.can("conference.manage"):
        soonest, total = planning.unarranged(req.db, req.actor, req.today)
        out += [Waiting(f"Arrange rooms and refreshments for {u.meetings} planning "
                        f"meeting{'s' if u.meetings > 1 else ''} beside {u.name}",
                        req.url_for("conference_support", conference=u.slug), "S2") for u in soonest]
        if total > len(soonest):
            more = total - len(soonest)
            out.append(Waiting(f"Arrange rooms and refreshments beside {more} more conference{'s' if more > 1 else ''}",
                               req.url_for("conferences"), "S2"))
    return out


routes = [
    Route("/conferences", conference_list, name="conferences"),
    Route("/conferences/new", new_conference, methods=["GET", "POST"], name="new_conference"),
    Route("/conferences/{conference:slug}", conference_page, name="conference"),
    Route("/conferences/{conference:slug}/support", conference_support, methods=["GET", "POST"],
          name="conference_support"),
    Route("/conferences/{conference:slug}/run-sheet", run_sheet, name="run_sheet"),
    Route("/conferences/{conference:slug}/support.csv", support_csv, name="support_csv"),
    Route("/conferences/{conference:slug}/edit", edit_conference, methods=["GET", "POST"], name="edit_conference"),
    Route("/meetings", meeting_list, name="meetings"),
    Route("/meetings/new", new_meeting, methods=["GET", "POST"], name="new_meeting"),
    Route("/meetings/{meeting_id:int}", meeting_page, name="meeting"),
    Route("/meetings/{meeting_id:int}/edit", edit_meeting, methods=["GET", "POST"], name="edit_meeting"),
    Route("/meetings/{meeting_id:int}/rsvp", answer_meeting, methods=["POST"], name="answer_meeting"),
    Route("/meetings/{meeting_id:int}/publish", publish_meeting, methods=["POST"], name="publish_meeting"),
    Route("/meetings/{meeting_id:int}/cancel", cancel_meeting, methods=["GET", "POST"], name="cancel_meeting"),
    Route("/meetings/{meeting_id:int}/delete", delete_meeting, methods=["POST"], name="delete_meeting"),
    Route("/meetings/{meeting_id:int}/invitations", send_invitations, methods=["POST"], name="send_invitations"),
    Route("/meetings/{meeting_id:int}/occurrences", change_occurrence, methods=["POST"], name="change_occurrence"),
    Route("/meetings/{meeting_id:int}/occurrences/{occurrence}/cancel", cancel_occurrence, methods=["GET", "POST"],
          name="cancel_occurrence"),
    Route("/meetings/{meeting_id:int}/occurrences/{occurrence}/restore", restore_occurrence, methods=["POST"],
          name="restore_occurrence"),
    Route("/meetings/{meeting_id:int}/agenda", edit_agenda, methods=["GET", "POST"], name="agenda"),
    Route("/meetings/{meeting_id:int}/agenda/print", print_agenda, name="print_agenda"),
    Route("/meetings/{meeting_id:int}/minutes", minutes_page, methods=["GET"], name="minutes"),
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
