"""JSON API for Cores: terms, appointing, ending, reappointing, candidacies and the dashboard."""

from __future__ import annotations

from sqlalchemy import select
from starlette.routing import Route

from ..auth.models import Person
from ..clock import today
from ..errors import DomainError
from ..network.api import _collab
from ..network.models import Collaborative
from ..web import WebRequest, api
from . import services
from .models import Appointment, Candidacy
from .schemas import (AppointIn, CandidacyIn, CandidacyOut, CoreSummaryOut, EndEarlyIn, OutlookPoint, ReappointIn,
                      TermDetailOut, TermOut)


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


@api("core.oversee", summary="Every Core's strength now and over the next 12 months, with flags (C6, C10, F1–F3, F8)",
     response=CoreSummaryOut, many=True, tag="cores")
def dashboard(req: WebRequest):
    collabs = req.db.scalars(select(Collaborative).where(Collaborative.status != "retired")
                             .order_by(Collaborative.name)).all()
    return req.json([summary_out(s) for s in services.summarize(req.db, list(collabs), today(req.settings.tz))])


@api("core.view", summary="A collaborative's Core terms, past, current and future (C1, C5, C7)", response=TermOut,
     many=True, tag="cores")
def list_terms(req: WebRequest):
    collab = _collab(req)
    shape = TermDetailOut if req.can("core.oversee") else TermOut  # consultations are for the DPL, ED, PDAC
    return req.json([shape.model_validate(t) for t in services.terms_of_collaborative(req.db, collab.id)])


@api("core.manage", summary="Appoint a Core member (C1–C4, C8, C9; refused with the rule, nothing written)",
     body=AppointIn, response=TermDetailOut, status=201, tag="cores")
def appoint(req: WebRequest):
    collab = _collab(req)
    data = req.parse(AppointIn)
    person = req.db.get(Person, data.person_id)
    if person is None:
        raise DomainError("C1", "no such person", field="person_id")
    candidacy = req.db.get(Candidacy, data.candidacy_id) if data.candidacy_id else None
    term = services.appoint(req.db, req.actor, collab, person, starts_on=data.starts_on, ends_on=data.ends_on,
                            consultations=_consultations(data.consultations), note=data.note, candidacy=candidacy,
                            today=today(req.settings.tz))
    return req.json(TermDetailOut.model_validate(term))


def _term(req: WebRequest) -> Appointment:
    return req.get_or_404(Appointment, req.path_params["term_id"])


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
                             consultations=_consultations(data.consultations), note=data.note,
                             today=today(req.settings.tz))
    return req.json(TermDetailOut.model_validate(new))


@api("core.oversee", summary="Open candidacies for a Core's seats (C9)", response=CandidacyOut, many=True, tag="cores")
def list_candidacies(req: WebRequest):
    collab = _collab(req)
    items = services.open_candidacies(req.db, [collab.id]).get(collab.id, [])
    return req.json([CandidacyOut.model_validate(c) for c in items])


@api("core.nominate", summary="Apply for an open seat, or nominate someone with person_id (C9)", body=CandidacyIn,
     response=CandidacyOut, status=201, tag="cores")
def create_candidacy(req: WebRequest):
    collab = _collab(req)
    data = req.parse(CandidacyIn)
    on = today(req.settings.tz)
    if data.person_id and data.person_id != req.actor.id:
        person = req.db.get(Person, data.person_id)
        if person is None:
            raise DomainError("C9", "no such person", field="person_id")
        c = services.nominate(req.db, req.actor, collab, person, data.statement, on)
    elif not req.can("core.apply"):
        raise DomainError("C9", "only educators of member schools apply; give person_id to nominate someone",
                          field="person_id")
    else:
        c = services.apply_for_seat(req.db, req.actor, collab, data.statement, on)
    req.db.flush()
    return req.json(CandidacyOut.model_validate(c))


@api("signed_in", summary="Withdraw a candidacy (the candidate, the nominator or the DPL)", response=CandidacyOut,
     tag="cores")
def withdraw(req: WebRequest):
    c = req.get_or_404(Candidacy, req.path_params["candidacy_id"])
    services.withdraw(req.db, req.actor, c)
    return req.json(CandidacyOut.model_validate(c))


routes = [
    Route("/cores", dashboard, name="api_cores"),
    Route("/collaboratives/{slug}/core", list_terms, name="api_core_terms"),
    Route("/collaboratives/{slug}/core", appoint, methods=["POST"], name="api_appoint"),
    Route("/collaboratives/{slug}/candidacies", list_candidacies, name="api_candidacies"),
    Route("/collaboratives/{slug}/candidacies", create_candidacy, methods=["POST"], name="api_create_candidacy"),
    Route("/core/terms/{term_id:int}/end", end_term, methods=["POST"], name="api_end_term"),
    Route("/core/terms/{term_id:int}/reappoint", reappoint, methods=["POST"], name="api_reappoint"),
    Route("/core/candidacies/{candidacy_id:int}/withdraw", withdraw, methods=["POST"], name="api_withdraw"),
]
