"""JSON API for obligations (O1–O3): a school's, across the network with counts, and the school's
answers (confirm, decline with a reason)."""

from __future__ import annotations

from starlette.routing import Route

from ..network import services as network
from ..web import WebRequest, api
from . import decisions, reading
from .models import Obligation
from .schemas import (NamedRef, ObligationCountsOut, ObligationDeclineIn, ObligationOut, PersonRef, TallyOut)

PAGE_Q = ("page", "integer", "page number (50 per page)")
STATUS_Q = ("status", "string", "pending, confirmed, declined or withdrawn")


def obligation_out(o: Obligation) -> ObligationOut:
    return ObligationOut(
        id=o.id, kind=o.kind.value, rule=o.rule, statement=o.statement,
        school=NamedRef(slug=o.school.slug, name=o.school.name), person=PersonRef(id=o.person.id, name=o.person.name),
        collaborative=NamedRef(slug=o.collaborative.slug, name=o.collaborative.name),
        conference=NamedRef(slug=o.conference.slug, name=o.conference.name), meeting_id=o.meeting_id,
        first_day=o.first_day, last_day=o.last_day, support=o.support, why=o.why, status=o.status.value,
        decline_reason=o.decline_reason.value if o.decline_reason else None, decision_note=o.decision_note,
        decided_at=o.decided_at, withdrawn_at=o.withdrawn_at, withdrawn_reason=o.withdrawn_reason,
        created_at=o.created_at, updated_at=o.updated_at)


def line_out(o: reading.ObligationLine) -> ObligationOut:
    """The same, from a line of a list (``reading.lines``)."""
    return ObligationOut(
        id=o.id, kind=o.kind.value, rule=o.rule, statement=o.statement,
        school=NamedRef(slug=o.school_slug, name=o.school_name), person=PersonRef(id=o.person_id, name=o.person_name),
        collaborative=NamedRef(slug=o.collaborative_slug, name=o.collaborative_name),
        conference=NamedRef(slug=o.conference_slug, name=o.conference_name), meeting_id=o.meeting_id,
        first_day=o.first_day, last_day=o.last_day, support=o.support, why=o.why, status=o.status.value,
        decline_reason=o.decline_reason.value if o.decline_reason else None, decision_note=o.decision_note,
        decided_at=o.decided_at, withdrawn_at=o.withdrawn_at, withdrawn_reason=o.withdrawn_reason,
        created_at=o.created_at, updated_at=o.updated_at)


def _page(req: WebRequest, stmt):
    result = reading.page_of_lines(req.db, stmt, req.query_int("page", 1), 50)
    result.items = [line_out(o) for o in result.items]
    return req.page_json(result, ObligationOut)


@api("obligation.view", summary="A school's obligations, pending first (O1–O3; its coordinators, the DPL, "
     "Center staff)", response=ObligationOut, many=True, tag="obligations", query=(STATUS_Q, PAGE_Q))
def school_obligations(req: WebRequest):
    school = network.get_school(req.db, req.actor, req.path_params["school"])
    return _page(req, reading.school_obligations_query(req.actor, school, req.today, req.query("status")))


@api("obligation.oversee", summary="Every school's obligations (O3; the DPL and Center staff)",
     response=ObligationOut, many=True, tag="obligations",
     query=(("school", "string", "school slug"), ("conference", "string", "conference slug"), STATUS_Q, PAGE_Q))
def network_obligations(req: WebRequest):
    return _page(req, reading.network_query(req.actor, req.today, school=req.query("school"),
                                            conference=req.query("conference"), status=req.query("status")))


@api("obligation.oversee", summary="Live obligations pending, confirmed and declined, by school and by conference "
     "(O3)", response=ObligationCountsOut, tag="obligations")
def counts(req: WebRequest):
    c = reading.network_counts(req.db, req.actor)

    def tally(thing, t) -> TallyOut:
        return TallyOut(slug=thing.slug, name=thing.name, pending=t.pending, confirmed=t.confirmed,
                        declined=t.declined)

    return req.json(ObligationCountsOut(by_school=[tally(s, t) for s, t in c.by_school],
                                        by_conference=[tally(f, t) for f, t in c.by_conference]))


@api("obligation.decide", summary="Confirm an obligation (O3; the school's coordinators, the DPL)",
     response=ObligationOut, tag="obligations")
def confirm(req: WebRequest):
    row = decisions.get_obligation(req.db, req.actor, req.path_params["obligation_id"])
    decisions.confirm(req.db, req.actor, row)
    return req.json(obligation_out(row))


@api("obligation.decide", summary="Decline an obligation with a reason: budget (O2, attendance) or other (O3)",
     body=ObligationDeclineIn, response=ObligationOut, tag="obligations")
def decline(req: WebRequest):
    row = decisions.get_obligation(req.db, req.actor, req.path_params["obligation_id"])
    data = req.parse(ObligationDeclineIn)
    decisions.decline(req.db, req.actor, row, data.reason, data.note)
    return req.json(obligation_out(row))


routes = [
    Route("/schools/{school:slug}/obligations", school_obligations, name="api_school_obligations"),
    Route("/obligations", network_obligations, name="api_obligations"),
    Route("/obligations/counts", counts, name="api_obligation_counts"),
    Route("/obligations/{obligation_id:int}/confirm", confirm, methods=["POST"], name="api_confirm_obligation"),
    Route("/obligations/{obligation_id:int}/decline", decline, methods=["POST"], name="api_decline_obligation"),
]
