"""JSON API for Cores: terms, appointing, ending, reappointing, candidacies and the dashboard."""

from __future__ import annotations

from starlette.routing import Route

from ..errors import DomainError
from ..network import services as network
from ..web import WebRequest, api, paginate
from . import announcements, consultations, services
from .schemas import (AnnouncementIn, AnnouncementOut, AppointFromProposalIn, AppointIn, AppointmentProposalIn,
                      AppointmentProposalOut, CandidacyIn, CandidacyOut, ConsultationAnswerIn,
                      ConsultationRequestDetailOut, CoreSummaryOut, EndEarlyIn, OutlookPoint, ReappointIn,
                      TermDetailOut, TermOut)


def _collab(req: WebRequest):
    return network.get_collaborative(req.db, req.actor, req.path_params["slug"])


def _consultations(items) -> list[services.ConsultationInput]:
    return [services.ConsultationInput(c.body, c.consulted_on, c.method, c.note) for c in items]


def summary_out(s: services.CoreSummary) -> CoreSummaryOut:
    return CoreSummaryOut(
        collaborative_slug=s.collaborative.slug, collaborative_name=s.collaborative.name,
        status=s.collaborative.status, strength=s.strength,
        outlook=[OutlookPoint(on=d, strength=n) for d, n in s.outlook],
        ending_soon=[TermDetailOut.model_validate(t) for t in s.ending_soon],
        ending_within_year=[TermDetailOut.model_validate(t) for t in s.ending_within_year],
        vacancies=s.vacancies, open_seats=s.open_seats,
        candidates=[CandidacyOut.model_validate(c) for c in s.candidates], flags=s.flags)


@api("core.oversee", summary="The Cores' strength now and over the next 12 months, with flags (C6, C10, F1–F3, F8), "
     "those needing attention first, 25 a page (?page=, ?show=attention, ?q= on the name)",
     response=CoreSummaryOut, many=True, tag="cores",
     query=(("page", "integer", "page number (25 per page)"), ("show", "string", "attention or all (default)"),
            ("q", "string", "search the collaborative's name")))
def dashboard(req: WebRequest):
    board = services.dashboard(req.db, req.actor, req.today, number=req.query_int("page", 1),
                               attention_only=req.query("show") == "attention", search=req.query("q"))
    return req.json({"items": [summary_out(s) for s in board.items], "page": board.number,
                     "per_page": board.per_page, "total": board.total, "pages": board.pages,
                     "counts": board.counts})


@api("core.view", summary="A collaborative's Core terms, past, current and future (C1, C5, C7)", response=TermOut,
     many=True, tag="cores")
def list_terms(req: WebRequest):
    collab = _collab(req)
    shape = TermDetailOut if req.can("core.oversee") else TermOut  # consultations are for the DPL, ED, PDAC
    return req.json([shape.model_validate(t) for t in services.terms_of_collaborative(req.db, req.actor, collab)])


@api("core.manage", summary="Appoint a Core member (C1–C4, C8, C9; refused with the rule, nothing written)",
     body=AppointIn, response=TermDetailOut, status=201, tag="cores")
def appoint(req: WebRequest):
    collab = _collab(req)
    data = req.parse(AppointIn)
    term = services.appoint_by_ids(req.db, req.actor, collab, person_id=data.person_id,
                                   candidacy_id=data.candidacy_id, starts_on=data.starts_on, ends_on=data.ends_on,
                                   consultations=_consultations(data.consultations), note=data.note,
                                   today=req.today)
    return req.json(TermDetailOut.model_validate(term))


def _term(req: WebRequest):
    return services.get_term(req.db, req.actor, req.path_params["term_id"])


@api("core.manage", summary="End a term early with a date and a reason (C5)", body=EndEarlyIn, response=TermDetailOut,
     tag="cores")
def end_term(req: WebRequest):
    term = _term(req)
    data = req.parse(EndEarlyIn)
    services.end_early(req.db, req.actor, term, ended_on=data.ended_on, reason=data.reason, note=data.note)
    return req.json(TermDetailOut.model_validate(term))


@api("core.manage", summary="Reappoint: a new term from the day after this one ends (C7)", body=ReappointIn,
     response=TermDetailOut, status=201, tag="cores")
def reappoint(req: WebRequest):
    term = _term(req)
    data = req.parse(ReappointIn)
    new = services.reappoint(req.db, req.actor, term, ends_on=data.ends_on,
                             consultations=_consultations(data.consultations), note=data.note, today=req.today)
    return req.json(TermDetailOut.model_validate(new))


@api("core.oversee", summary="Open candidacies for a Core's seats (C9)", response=CandidacyOut, many=True, tag="cores")
def list_candidacies(req: WebRequest):
    items = services.candidacies_for(req.db, req.actor, _collab(req))
    return req.json([CandidacyOut.model_validate(c) for c in items])


@api("core.nominate", summary="Apply for an open seat, or nominate someone with person_id (C9)", body=CandidacyIn,
     response=CandidacyOut, status=201, tag="cores")
def create_candidacy(req: WebRequest):
    collab = _collab(req)
    data = req.parse(CandidacyIn)
    if data.person_id and data.person_id != req.actor.id:
        c = services.nominate_by_id(req.db, req.actor, collab, data.person_id, data.statement, req.today)
    elif not req.can("core.apply"):
        raise DomainError("C9", "only educators of member schools apply; give person_id to nominate someone",
                          field="person_id")
    else:
        c = services.apply_for_seat(req.db, req.actor, collab, data.statement, req.today)
    req.db.flush()
    return req.json(CandidacyOut.model_validate(c))


@api("signed_in", summary="Withdraw a candidacy (the candidate, the nominator or the DPL)", response=CandidacyOut,
     tag="cores")
def withdraw(req: WebRequest):
    c = services.get_candidacy(req.db, req.actor, req.path_params["candidacy_id"])
    services.withdraw(req.db, req.actor, c)
    return req.json(CandidacyOut.model_validate(c))


# --- consultation requests (C1) ----------------------------------------------------------------------

@api("core.oversee", summary="Consultation requests of open proposals: those made of one's body (the Executive "
     "Director, the PDAC), or all of them for the DPL (C1)", response=ConsultationRequestDetailOut, many=True,
     tag="consultations", query=(("waiting", "boolean", "only those not answered yet"),))
def list_requests(req: WebRequest):
    waiting = (req.query("waiting") or "").lower() in ("1", "true", "yes")
    items = consultations.requests_for(req.db, req.actor, waiting_only=waiting)
    return req.json([ConsultationRequestDetailOut.model_validate(r) for r in items])


@api("consultation.answer", summary="Answer a consultation request made of one's body: agree, or concerns with a "
     "note; may change until the appointment is made (C1)", body=ConsultationAnswerIn,
     response=ConsultationRequestDetailOut, tag="consultations")
def answer_request(req: WebRequest):
    request = consultations.get_request(req.db, req.actor, req.path_params["request_id"])
    data = req.parse(ConsultationAnswerIn)
    consultations.answer(req.db, req.actor, request, answer=data.answer, note=data.note, today=req.today)
    return req.json(ConsultationRequestDetailOut.model_validate(request))


@api("core.oversee", summary="Open proposed appointments with their requests and answers (C1)",
     response=AppointmentProposalOut, many=True, tag="consultations")
def list_proposals(req: WebRequest):
    proposals = consultations.open_proposals(req.db, req.actor)
    return req.json([AppointmentProposalOut.model_validate(p) for p in proposals])


@api("core.manage", summary="Propose an appointment and ask the Executive Director and the PDAC (C1; refused "
     "early by K1, C2–C4, C8, C9 as the appointment would be)", body=AppointmentProposalIn,
     response=AppointmentProposalOut, status=201, tag="consultations")
def create_proposal(req: WebRequest):
    collab = _collab(req)
    data = req.parse(AppointmentProposalIn)
    proposal = consultations.propose_by_ids(req.db, req.actor, collab, person_id=data.person_id,
                                            candidacy_id=data.candidacy_id, starts_on=data.starts_on,
                                            ends_on=data.ends_on, note=data.note, today=req.today)
    return req.json(AppointmentProposalOut.model_validate(proposal))


def _proposal(req: WebRequest):
    return consultations.get_proposal(req.db, req.actor, req.path_params["proposal_id"])


@api("core.manage", summary="Appoint from a proposal: the answers are the consultations; a body that has not "
     "answered must be recorded as consulted elsewhere (C1)", body=AppointFromProposalIn, response=TermDetailOut,
     status=201, tag="consultations")
def appoint_from_proposal(req: WebRequest):
    proposal = _proposal(req)
    data = req.parse(AppointFromProposalIn)
    term = consultations.appoint_from_proposal(req.db, req.actor, proposal, today=req.today,
                                               elsewhere=_consultations(data.consultations), note=data.note,
                                               answers_seen=data.answers_seen)
    return req.json(TermDetailOut.model_validate(term))


@api("core.manage", summary="Withdraw a proposal (C1)", response=AppointmentProposalOut, tag="consultations")
def withdraw_proposal(req: WebRequest):
    proposal = consultations.withdraw_proposal(req.db, req.actor, _proposal(req))
    return req.json(AppointmentProposalOut.model_validate(proposal))


@api("signed_in", summary="M4: a collaborative's announcements to its members, newest first",
     response=AnnouncementOut, many=True, tag="cores", query=(("page", "integer", "page number (20 per page)"),))
def list_announcements(req: WebRequest):
    collab = _collab(req)
    return req.page_json(paginate(req.db, announcements.announcements_query(req.actor, collab),
                                  req.query_int("page", 1), 20), AnnouncementOut)


@api("announcement.send", summary="M4: send an announcement to the collaborative's members and Core by mail "
     "(through the outbox; those who turned announcements off are left out): its Core and the DPL",
     body=AnnouncementIn, response=AnnouncementOut, status=201, tag="cores")
def create_announcement(req: WebRequest):
    collab = _collab(req)
    data = req.parse(AnnouncementIn)
    sent = announcements.send_announcement(req.db, req.actor, collab, subject=data.subject, body=data.body,
                                           today=req.today, settings=req.settings)
    return req.json(AnnouncementOut.model_validate(sent))


routes = [
    Route("/cores", dashboard, name="api_cores"),
    Route("/collaboratives/{slug:slug}/core", list_terms, name="api_core_terms"),
    Route("/collaboratives/{slug:slug}/core", appoint, methods=["POST"], name="api_appoint"),
    Route("/collaboratives/{slug:slug}/candidacies", list_candidacies, name="api_candidacies"),
    Route("/collaboratives/{slug:slug}/candidacies", create_candidacy, methods=["POST"], name="api_create_candidacy"),
    Route("/core/terms/{term_id:int}/end", end_term, methods=["POST"], name="api_end_term"),
    Route("/core/terms/{term_id:int}/reappoint", reappoint, methods=["POST"], name="api_reappoint"),
    Route("/core/candidacies/{candidacy_id:int}/withdraw", withdraw, methods=["POST"], name="api_withdraw"),
    Route("/consultations", list_requests, name="api_consultations"),
    Route("/consultations/{request_id:int}/answer", answer_request, methods=["POST"], name="api_answer_consultation"),
    Route("/core/proposals", list_proposals, name="api_proposals"),
    Route("/collaboratives/{slug:slug}/proposals", create_proposal, methods=["POST"], name="api_create_proposal"),
    Route("/core/proposals/{proposal_id:int}/appoint", appoint_from_proposal, methods=["POST"],
          name="api_appoint_from_proposal"),
    Route("/core/proposals/{proposal_id:int}/withdraw", withdraw_proposal, methods=["POST"],
          name="api_withdraw_proposal"),
    Route("/collaboratives/{slug:slug}/announcements", list_announcements, name="api_announcements"),
    Route("/collaboratives/{slug:slug}/announcements", create_announcement, methods=["POST"],
          name="api_create_announcement"),
]
