"""JSON API for conferences (S1), meetings (M1, M2), occurrences, agendas (M3), minutes (M4), the
cross-zone aid and feed tokens (M5). Every change goes through the services, so it is audited (A1)."""

from __future__ import annotations

from datetime import datetime

from starlette.routing import Route

from ..clock import now_utc
from ..errors import DomainError, NotFound
from ..network import services as network
from ..web import WebRequest, api, paginate
from . import agendas, conferences, feed_tokens, forms, invitations, minutes, planning, rsvps, services, times
from .links import token_links
from .scheduling import dst_warnings
from .models import FeedToken, Meeting, MeetingMinutes, RsvpAnswer
from .schemas import (AgendaIn, AgendaOut, AttendanceIn, CancelIn, ConferenceIn, ConferenceOut, ConferenceUpdate,
                      FeedTokenIn, FeedTokenOut, InvitationOut, InvitationsOut, InvitationsSentOut, MeetingIn,
                      MeetingOut, MeetingUpdate, MinutesIn, MinutesOut, OccurrenceIn, OccurrenceOut, RsvpIn, RsvpOut,
                      RsvpsOut, SchedulingOut, SupportIn, SupportOut)

PAGE_Q = ("page", "integer", "page number (50 per page)")


# --- conferences ----------------------------------------------------------------------------------

@api("public", summary="Conferences and institutes (S1)", response=ConferenceOut, many=True, tag="conferences",
     query=(PAGE_Q,))
def list_conferences(req: WebRequest):
    return req.page_json(paginate(req.db, conferences.conferences_query(), req.query_int("page", 1), 50),
                         ConferenceOut)


@api("public", summary="One conference", response=ConferenceOut, tag="conferences")
def get_conference(req: WebRequest):
    return req.json(ConferenceOut.model_validate(conferences.conference_by_slug(req.db, req.path_params["conference"])))


@api("conference.manage", summary="Add a conference or institute (S1: Center staff, DPL)", body=ConferenceIn,
     response=ConferenceOut, status=201, tag="conferences")
def create_conference(req: WebRequest):
    data = req.parse(ConferenceIn)
    conf = conferences.create_conference(req.db, req.actor, **data.model_dump())
    return req.json(ConferenceOut.model_validate(conf))


@api("conference.manage", summary="Change a conference (its calendar SEQUENCE goes up)", body=ConferenceUpdate,
     response=ConferenceOut, tag="conferences")
def update_conference(req: WebRequest):
    conf = conferences.conference_by_slug(req.db, req.path_params["conference"])
    data = req.parse(ConferenceUpdate)
    conferences.update_conference(req.db, req.actor, conf, **data.model_dump(exclude_none=True))
    return req.json(ConferenceOut.model_validate(conf))


def _support_out(line: planning.SupportLine) -> SupportOut:
    m = line.meeting
    return SupportOut(meeting_id=m.id, collaborative=m.collaborative.name, title=m.title, local_start=m.local_start,
                      local_end=m.local_end, time_zone=m.time_zone, cancelled=m.is_cancelled,
                      headcount=line.headcount.count, headcount_from=line.headcount.source, room=line.room,
                      coffee=line.coffee, lunch=line.lunch, status=line.status.value, notes=line.notes)


@api("conference.manage", summary="S2: the planning meetings beside a conference with their headcount, room, "
     "refreshments and status (Center staff, DPL)", response=SupportOut, many=True, tag="conferences")
def conference_support(req: WebRequest):
    conf = conferences.conference_by_slug(req.db, req.path_params["conference"])
    return req.json([_support_out(line) for line in planning.support_sheet(req.db, req.actor, conf)])


@api("conference.manage", summary="S2: set a planning meeting's room, refreshments and status (requested → "
     "arranged)", body=SupportIn, response=SupportOut, tag="conferences")
def put_support(req: WebRequest):
    meeting = _meeting(req)
    data = req.parse(SupportIn)
    planning.set_support(req.db, req.actor, meeting, room=data.room, coffee=data.coffee, lunch=data.lunch,
                         status=data.status, notes=data.notes, now=now_utc())
    req.db.flush()
    line = next(line for line in planning.support_sheet(req.db, req.actor, meeting.conference)
                if line.meeting.id == meeting.id)
    return req.json(_support_out(line))


# --- meetings -------------------------------------------------------------------------------------

OCCURRENCE_PATH = ("the occurrence is named in the path by its start as the series' rule generates it, in the "
                   "meeting's zone (ISO, e.g. 2027-02-09T16:00; a moved occurrence keeps it; a single meeting: its start)")


def _meeting(req: WebRequest) -> Meeting:
    return services.get_meeting(req.db, req.actor, req.path_params["meeting_id"])


@api("public", summary="Meetings in calendars (and drafts one may edit), by start (M1, M2)", response=MeetingOut,
     many=True, tag="meetings",
     query=(("collaborative", "string", "collaborative slug"),
            ("from", "string", "ISO instant: meetings ending after it (default: now)"),
            ("when", "string", "upcoming (default: ending after `from`, soonest first) or past (starting "
                               "before `from`, latest first)"),
            ("mode", "string", "face_to_face, virtual or hybrid"), PAGE_Q))
def list_meetings(req: WebRequest):
    ids = None
    if req.query("collaborative"):
        ids = [network.get_collaborative(req.db, req.actor, req.query("collaborative")).id]
    try:
        since = datetime.fromisoformat(req.query("from")) if req.query("from") else now_utc()
        if since.tzinfo is None:
            raise ValueError
    except ValueError:
        raise DomainError(None, "from: give an ISO instant with its offset, e.g. 2027-03-01T00:00:00Z",
                          field="from") from None
    if req.query("when") not in (None, "upcoming", "past"):
        raise DomainError(None, "when: upcoming or past", field="when")
    stmt = services.meeting_list_query(req.actor, since, collab_ids=ids, mode=req.query("mode"),
                                       past=req.query("when") == "past")
    return req.page_json(paginate(req.db, stmt, req.query_int("page", 1), 50), MeetingOut)


@api("meeting.view", summary="One meeting", response=MeetingOut, tag="meetings")
def get_meeting(req: WebRequest):
    return req.json(MeetingOut.model_validate(_meeting(req)))


@api("meeting.view", summary="A meeting's occurrences (a recurring series expanded, exceptions applied)",
     response=OccurrenceOut, many=True, tag="meetings")
def meeting_occurrences(req: WebRequest):
    return req.json([OccurrenceOut.model_validate(o.__dict__) for o in times.expand(_meeting(req))])


@api("meeting.edit", summary="Schedule a meeting; it starts as a draft (M1: the Core or the DPL)", body=MeetingIn,
     response=MeetingOut, status=201, tag="meetings")
def create_meeting(req: WebRequest):
    data = req.parse(MeetingIn)
    values = forms.with_rule(data.model_dump(exclude={"collaborative", "repeat"}), data.repeat)
    meeting = services.schedule_meeting(req.db, req.actor, data.collaborative, **values)
    return req.json(_with_warnings(meeting))


@api("meeting.edit", summary="Change a meeting (M5: attendee-relevant changes bump SEQUENCE)", body=MeetingUpdate,
     response=MeetingOut, tag="meetings")
def update_meeting(req: WebRequest):
    meeting = _meeting(req)
    data = req.parse(MeetingUpdate)
    services.update_meeting(req.db, req.actor, meeting, **data.model_dump(exclude_unset=True))
    return req.json(_with_warnings(meeting))


def _with_warnings(meeting: Meeting) -> MeetingOut:
    """The meeting just scheduled or changed, with what the clocks do to its times (M1)."""
    return MeetingOut.model_validate(meeting).model_copy(update={"warnings": dst_warnings(meeting)})


@api("meeting.edit", summary="Publish a draft (M2)", response=MeetingOut, tag="meetings")
def publish_meeting(req: WebRequest):
    meeting = _meeting(req)
    services.publish_meeting(req.db, req.actor, meeting)
    return req.json(MeetingOut.model_validate(meeting))


@api("meeting.edit", summary="M5: who was sent the meeting as a calendar invitation (whether their copy is "
     "current, whether they were sent its cancellation), and the expected people not invited yet", response=InvitationsOut,
     tag="meetings")
def list_invitations(req: WebRequest):
    meeting = services.meeting_for_editing(req.db, req.actor, req.path_params["meeting_id"])
    state = invitations.invitation_state(req.db, req.actor, meeting, req.today)
    return req.json(InvitationsOut(
        invited=[InvitationOut(person=i.person, invited_at=i.invited_at, sent_at=i.sent_at, current=state.is_current(i),
                               cancelled_at=i.cancelled_at) for i in state.invited],
        not_yet=state.not_yet))


@api("meeting.edit", summary="M5: send a published meeting to its expected people (members and Core) as an "
     "iCalendar invitation (iTIP METHOD:REQUEST, the feed's UID and SEQUENCE) through the outbox; those invited "
     "before get an update if their copy is out of date. Later changes and the cancellation follow by themselves",
     response=InvitationsSentOut, tag="meetings")
def send_invitations(req: WebRequest):
    meeting = services.meeting_for_editing(req.db, req.actor, req.path_params["meeting_id"])
    sent = invitations.send_invitations(req.db, req.actor, meeting, req.today, req.settings)
    return req.json(InvitationsSentOut(invited=sent.invited, updated=sent.updated))


@api("meeting.edit", summary="Cancel a published meeting; it stays in feeds as cancelled (M2)", body=CancelIn,
     response=MeetingOut, tag="meetings")
def cancel_meeting(req: WebRequest):
    meeting = _meeting(req)
    data = req.parse(CancelIn)
    services.cancel_meeting(req.db, req.actor, meeting, data.reason)
    return req.json(MeetingOut.model_validate(meeting))


@api("meeting.edit", summary="Move or cancel one occurrence of a recurring meeting (RECURRENCE-ID / EXDATE)",
     body=OccurrenceIn, response=OccurrenceOut, many=True, tag="meetings")
def change_occurrence(req: WebRequest):
    meeting = _meeting(req)
    data = req.parse(OccurrenceIn)
    services.change_occurrence(req.db, req.actor, meeting, data.original_start, cancel=forms.cancels(data.action),
                               starts=data.starts, ends=data.ends, note=data.note)
    return req.json([OccurrenceOut.model_validate(o.__dict__) for o in times.expand(meeting)])


@api("meeting.edit", summary="Restore a cancelled occurrence of a recurring meeting at the time its rule gives it "
     "(it leaves the EXDATE list; M1, M5); " + OCCURRENCE_PATH, response=OccurrenceOut, many=True, tag="meetings")
def restore_occurrence(req: WebRequest):
    meeting = _meeting(req)
    services.restore_occurrence(req.db, req.actor, meeting, _occurrence(req))
    return req.json([OccurrenceOut.model_validate(o.__dict__) for o in times.expand(meeting)])


@api("meeting.edit", summary="The cross-zone aid: a proposed time in every member's zone, and the day's best starts",
     response=SchedulingOut, tag="meetings",
     query=(("collaborative", "string", "collaborative slug"), ("starts", "string", "local start, e.g. 2027-01-12T16:00"),
            ("time_zone", "string", "IANA zone of starts"), ("minutes", "integer", "length (default 60)")))
def find_a_time(req: WebRequest):
    if not req.query("collaborative"):
        raise DomainError("M1", "name the collaborative (its slug)", field="collaborative")
    collab = network.get_collaborative(req.db, req.actor, req.query("collaborative"))
    aid = services.scheduling_aid(req.db, req.actor, collab, forms.local_start(req.query("starts")),
                                  req.query("time_zone") or req.viewer_zone,
                                  req.query_int("minutes", 60, minimum=-1, maximum=24 * 60),
                                  req.today, req.settings.network_time_zone)
    return req.json(SchedulingOut(
        zones=[{"zone": g.zone, "offset": g.offset, "local_start": g.local_start, "local_end": g.local_end,
                "count": g.count, "outside": g.outside, "warning": g.warning} for g in aid.groups],
        people=aid.people, outside=aid.outside, suggestions=[s.__dict__ for s in aid.suggestions]))


# --- agenda (M3) and minutes (M4) ------------------------------------------------------------------------

def _agenda_out(meeting: Meeting) -> AgendaOut:
    s = agendas.agenda_summary(meeting)
    return AgendaOut(items=[i for i in meeting.agenda], agenda_final_by=meeting.agenda_final_by,
                     total_minutes=s.total, meeting_minutes=s.length, warning=s.warning)


@api("meeting.view", summary="A meeting's agenda with the running total against its length (M3)",
     response=AgendaOut, tag="agendas")
def get_agenda(req: WebRequest):
    return req.json(_agenda_out(_meeting(req)))


@api("agenda.edit", summary="Set the whole agenda in order (M3: that collaborative's Core, or the DPL)",
     body=AgendaIn, response=AgendaOut, tag="agendas")
def put_agenda(req: WebRequest):
    meeting = _meeting(req)
    data = req.parse(AgendaIn)
    agendas.replace_agenda(req.db, req.actor, meeting, [i.model_dump() for i in data.items], data.agenda_final_by)
    req.db.flush()
    return req.json(_agenda_out(meeting))


def _minutes_out(req: WebRequest, meeting: Meeting, occurrence: times.Occurrence,
                 row: MeetingMinutes | None) -> MinutesOut:
    key = occurrence.original_start
    att = minutes.attendance_of(req.db, req.actor, meeting, key) if row is not None else {}
    return MinutesOut(occurrence=key, starts_at=occurrence.starts_at, status=occurrence.status,
                      minutes=row.text if row else "", minutes_at=row.recorded_at if row else None,
                      attendance=[AttendanceIn(person_id=k, status=v) for k, v in att.items()])


def _occurrence(req: WebRequest) -> datetime | None:
    return forms.occurrence_param(req.path_params["occurrence"])


@api("minutes.view", summary="Minutes and attendance of every occurrence that has them, by occurrence (M4: "
     "signed-in people)",
     response=MinutesOut, many=True, tag="agendas")
def list_minutes(req: WebRequest):
    meeting = _meeting(req)
    recorded = minutes.minutes_by_occurrence(req.db, req.actor, meeting)
    return req.json([_minutes_out(req, meeting, o, recorded[o.original_start]) for o in times.expand(meeting)
                     if o.original_start in recorded])


@api("minutes.view", summary="Minutes and attendance of one occurrence (M4: signed-in people); " + OCCURRENCE_PATH,
     response=MinutesOut, tag="agendas")
def get_minutes(req: WebRequest):
    meeting = _meeting(req)
    occurrence, row = minutes.occurrence_minutes(req.db, req.actor, meeting, _occurrence(req))
    return req.json(_minutes_out(req, meeting, occurrence, row))


@api("meeting.edit", summary="Record the minutes and attendance of one occurrence once it has started (M4: the "
     "Core or the DPL; replaces that occurrence's); " + OCCURRENCE_PATH, body=MinutesIn, response=MinutesOut,
     tag="agendas")
def put_minutes(req: WebRequest):
    meeting = _meeting(req)
    data = req.parse(MinutesIn)
    row = minutes.record_minutes(req.db, req.actor, meeting, data.minutes,
                                 {a.person_id: a.status for a in data.attendance},
                                 now=now_utc(), occurrence=_occurrence(req))
    req.db.flush()
    return req.json(_minutes_out(req, meeting, times.occurrence_at(meeting, row.occurrence_start), row))


# --- answers (M4, S2) -------------------------------------------------------------------------------

def _rsvps_out(answers: rsvps.Answers) -> RsvpsOut:
    return RsvpsOut(occurrence=answers.occurrence.original_start, starts_at=answers.occurrence.starts_at,
                    going=answers.count(RsvpAnswer.GOING), not_going=answers.count(RsvpAnswer.NOT_GOING),
                    maybe=answers.count(RsvpAnswer.MAYBE),
                    answers=[RsvpOut.model_validate(r) for r in answers.rows],
                    mine=RsvpOut.model_validate(answers.mine) if answers.mine else None,
                    unanswered_core=answers.unanswered_core)


@api("rsvp.view", summary="Who answered an occurrence of a meeting, with the counts; for the Core, which of its "
     "members have not answered (M4, S2)", response=RsvpsOut, tag="meetings",
     query=(("occurrence", "string", "the occurrence (its start, e.g. 2027-02-09T16:00); default: the next one"),))
def list_rsvps(req: WebRequest):
    meeting = _meeting(req)
    wanted = forms.occurrence_param(req.query("occurrence"))
    occurrence = times.occurrence_at(meeting, wanted) if wanted else next(iter(rsvps.answerable(meeting, now_utc())), None)
    if occurrence is None:
        raise NotFound()
    return req.json(_rsvps_out(rsvps.answers_for(req.db, req.actor, meeting, occurrence,
                                                 can_edit=req.can("meeting.edit", meeting.collaborative))))


@api("rsvp.answer", summary="Answer an occurrence of a meeting: going, not_going or maybe, with a note (M4: "
     "members and Core members of its collaborative); " + OCCURRENCE_PATH, body=RsvpIn, response=RsvpOut,
     tag="meetings")
def put_rsvp(req: WebRequest):
    meeting = _meeting(req)
    data = req.parse(RsvpIn, occurrence=req.path_params["occurrence"])
    row = rsvps.answer(req.db, req.actor, meeting, data.occurrence, data.answer, data.note, now=now_utc())
    req.db.flush()
    return req.json(RsvpOut.model_validate(row))


# --- feed tokens (M5) ----------------------------------------------------------------------------------

def _token_out(req: WebRequest, row: FeedToken) -> FeedTokenOut:
    links = token_links(req, row) if row.is_active else {}
    return FeedTokenOut(id=row.id, kind=row.kind, created_at=row.created_at, revoked_at=row.revoked_at,
                        https_url=links.get("https"), webcal_url=links.get("webcal"))


@api("feed.manage", summary="Your secret calendar links (and your school's, for coordinators)",
     response=FeedTokenOut, many=True, tag="calendars")
def list_feed_tokens(req: WebRequest):
    return req.json([_token_out(req, r) for r in feed_tokens.subscriptions(req.db, req.actor).links])


@api("feed.manage", summary="Create or regenerate a secret calendar link (the previous one stops working)",
     body=FeedTokenIn, response=FeedTokenOut, status=201, tag="calendars")
def create_feed_token(req: WebRequest):
    data = req.parse(FeedTokenIn)
    row, _, _ = feed_tokens.issue_token_for(req.db, req.actor, data.kind, data.school, req.settings.secret_key)
    req.db.flush()
    return req.json(_token_out(req, row))


@api("feed.manage", summary="Revoke a secret calendar link (it answers 404 from now on)", response=FeedTokenOut,
     tag="calendars")
def revoke_feed_token(req: WebRequest):
    row = feed_tokens.get_token(req.db, req.actor, req.path_params["feed_token_id"])
    feed_tokens.revoke_token(req.db, req.actor, row)
    return req.json(_token_out(req, row))


routes = [
    Route("/conferences", list_conferences, methods=["GET"], name="api_conferences"),
    Route("/conferences", create_conference, methods=["POST"], name="api_create_conference"),
    Route("/conferences/{conference:slug}", get_conference, methods=["GET"], name="api_conference"),
    Route("/conferences/{conference:slug}/support", conference_support, methods=["GET"],
          name="api_conference_support"),
    Route("/meetings/{meeting_id:int}/support", put_support, methods=["PUT"], name="api_put_support"),
    Route("/conferences/{conference:slug}", update_conference, methods=["PATCH"], name="api_update_conference"),
    Route("/meetings", list_meetings, methods=["GET"], name="api_meetings"),
    Route("/meetings", create_meeting, methods=["POST"], name="api_create_meeting"),
    Route("/meetings/find-a-time", find_a_time, methods=["GET"], name="api_find_a_time"),
    Route("/meetings/{meeting_id:int}", get_meeting, methods=["GET"], name="api_meeting"),
    Route("/meetings/{meeting_id:int}", update_meeting, methods=["PATCH"], name="api_update_meeting"),
    Route("/meetings/{meeting_id:int}/publish", publish_meeting, methods=["POST"], name="api_publish_meeting"),
    Route("/meetings/{meeting_id:int}/cancel", cancel_meeting, methods=["POST"], name="api_cancel_meeting"),
    Route("/meetings/{meeting_id:int}/invitations", list_invitations, methods=["GET"], name="api_invitations"),
    Route("/meetings/{meeting_id:int}/invitations", send_invitations, methods=["POST"], name="api_send_invitations"),
    Route("/meetings/{meeting_id:int}/occurrences", meeting_occurrences, methods=["GET"], name="api_occurrences"),
    Route("/meetings/{meeting_id:int}/occurrences", change_occurrence, methods=["POST"], name="api_change_occurrence"),
    Route("/meetings/{meeting_id:int}/occurrences/{occurrence}/restore", restore_occurrence, methods=["POST"],
          name="api_restore_occurrence"),
    Route("/meetings/{meeting_id:int}/agenda", get_agenda, methods=["GET"], name="api_agenda"),
    Route("/meetings/{meeting_id:int}/agenda", put_agenda, methods=["PUT"], name="api_put_agenda"),
    Route("/meetings/{meeting_id:int}/minutes", list_minutes, methods=["GET"], name="api_minutes"),
    Route("/meetings/{meeting_id:int}/minutes/{occurrence}", get_minutes, methods=["GET"],
          name="api_occurrence_minutes"),
    Route("/meetings/{meeting_id:int}/minutes/{occurrence}", put_minutes, methods=["PUT"], name="api_put_minutes"),
    Route("/meetings/{meeting_id:int}/rsvps", list_rsvps, methods=["GET"], name="api_rsvps"),
    Route("/meetings/{meeting_id:int}/rsvps/{occurrence}", put_rsvp, methods=["PUT"], name="api_put_rsvp"),
    Route("/feed-tokens", list_feed_tokens, methods=["GET"], name="api_feed_tokens"),
    Route("/feed-tokens", create_feed_token, methods=["POST"], name="api_create_feed_token"),
    Route("/feed-tokens/{feed_token_id:int}", revoke_feed_token, methods=["DELETE"], name="api_revoke_feed_token"),
]
