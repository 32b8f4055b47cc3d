"""JSON API of hotel-night claims (S3): one's own claims, the staff's queue, submitting a claim with
its receipt (multipart/form-data), deciding and paying, the totals and the finance office's CSV.
Amounts are strings both ways; every change goes through the services, so it is audited (A1)."""

from __future__ import annotations

from starlette.routing import Route

from ..errors import DomainError
from ..meetings import conferences
from ..meetings import services as meetings
from ..network import services as network
from ..web import Page, WebRequest, api, paginate
from . import claims, export, forms, totals
from .receipts import ReceiptStore
from .responses import csv_response, receipt_response
from .schemas import ClaimIn, ClaimOut, PayIn, RejectIn, TotalOut

PAGE_Q = ("page", "integer", "page number (50 per page)")


def _page(req: WebRequest, shown: Page):
    return req.json({"items": [ClaimOut.of_line(c) for c in shown.items], "page": shown.number,
                     "per_page": shown.per_page, "total": shown.total, "pages": shown.pages})


def _claim(req: WebRequest):
    return claims.get_claim(req.db, req.actor, req.path_params["claim_id"])


@api("claim.view", summary="Your own hotel-night claims, newest first (S3)", response=ClaimOut, many=True,
     tag="claims", query=(PAGE_Q,))
def my_claims(req: WebRequest):
    return _page(req, paginate(req.db, claims.lines(claims.my_claims_query(req.actor)), req.query_int("page", 1), 50,
                               scalars=False))


@api("claim.decide", summary="The claims queue: waiting claims oldest first, or one status (S3: Center staff, DPL)",
     response=ClaimOut, many=True, tag="claims",
     query=(("show", "string", "waiting (default), submitted, approved, paid, rejected or all"),
            ("conference", "string", "conference slug"), ("collaborative", "string", "collaborative slug"),
            ("school", "string", "the claimant's school's slug"), PAGE_Q))
def claims_queue(req: WebRequest):
    stmt = claims.queue_query(req.actor, req.query("show", "waiting"), conference=req.query("conference"),
                              collaborative=req.query("collaborative"), school=req.query("school"))
    return _page(req, paginate(req.db, claims.lines(stmt), req.query_int("page", 1), 50, scalars=False))


@api("claim.submit", summary="Claim the hotel night against a planning meeting, with the receipt (S3; refused with "
     "the rule, nothing written)", body=ClaimIn, upload=forms.RECEIPT_FIELD, response=ClaimOut, status=201,
     tag="claims")
def submit_claim(req: WebRequest):
    data = req.parse(ClaimIn)
    if data.meeting_id is None:
        raise DomainError("S3", "name the planning meeting attended", field="meeting_id")
    meeting = meetings.get_meeting(req.db, req.actor, data.meeting_id)
    store = ReceiptStore.of(req.settings)
    receipt, name = forms.uploaded(req.form, store.max_bytes)
    claim = claims.submit_claim(req.db, req.actor, meeting, night_on=data.night_on, amount=data.amount,
                                currency=data.currency, receipt=receipt, receipt_name=name, store=store,
                                nights=data.nights)
    return req.json(ClaimOut.of(claim))


@api("claim.view", summary="One claim (its claimant, Center staff, the DPL)", response=ClaimOut, tag="claims")
def get_claim(req: WebRequest):
    return req.json(ClaimOut.of(_claim(req)))


@api("claim.view", summary="A claim's receipt, as a download (its claimant, Center staff, the DPL)", tag="claims")
def claim_receipt(req: WebRequest):
    claim, data = claims.receipt_of(req.db, req.actor, req.path_params["claim_id"], ReceiptStore.of(req.settings))
    return receipt_response(claim, data)


@api("claim.decide", summary="Approve a submitted claim (S3)", response=ClaimOut, tag="claims")
def approve_claim(req: WebRequest):
    return req.json(ClaimOut.of(claims.approve(req.db, req.actor, _claim(req))))


@api("claim.decide", summary="Reject a claim not yet paid, with a reason (S3)", body=RejectIn, response=ClaimOut,
     tag="claims")
def reject_claim(req: WebRequest):
    claim = _claim(req)
    return req.json(ClaimOut.of(claims.reject(req.db, req.actor, claim, req.parse(RejectIn).reason)))


@api("claim.decide", summary="Mark an approved claim paid, with the payment's reference (S3)", body=PayIn,
     response=ClaimOut, tag="claims")
def pay_claim(req: WebRequest):
    claim = _claim(req)
    return req.json(ClaimOut.of(claims.mark_paid(req.db, req.actor, claim, req.parse(PayIn).reference)))


@api("claim.decide", summary="Claims per conference or per collaborative, one line per currency (S3)",
     response=TotalOut, many=True, tag="claims",
     query=(("by", "string", "conference (default) or collaborative"),))
def claims_totals(req: WebRequest):
    by = req.query("by", "conference")
    if by not in ("conference", "collaborative"):
        raise DomainError("S3", "by is conference or collaborative", field="by")
    rows = (totals.totals_by_conference if by == "conference" else totals.totals_by_collaborative)(req.db, req.actor)
    return req.json([TotalOut.model_validate(t) for t in rows])


@api("claim.decide", summary="One conference's or collaborative's claims as one total; refused (S3) when they are "
     "in more than one currency", response=TotalOut, tag="claims",
     query=(("conference", "string", "conference slug"), ("collaborative", "string", "collaborative slug")))
def claims_spend(req: WebRequest):
    if req.query("conference"):
        conf = conferences.conference_by_slug(req.db, req.query("conference"))
        total = totals.one_total(totals.totals_by_conference(req.db, req.actor, conf.id), conf.name)
    elif req.query("collaborative"):
        collab = network.get_collaborative(req.db, req.actor, req.query("collaborative"))
        total = totals.one_total(totals.totals_by_collaborative(req.db, req.actor, collab.id), collab.name)
    else:
        raise DomainError("S3", "name a conference or a collaborative", field="conference")
    if total is None:
        raise DomainError("S3", "there are no claims to add up yet", field="conference")
    return req.json(TotalOut.model_validate(total))


@api("claim.decide", summary="The finance office's CSV: one row per claim (S3)", tag="claims",
     query=(("month", "string", "only the nights of this month, e.g. 2027-03"),))
def claims_export(req: WebRequest):
    month = req.query("month")
    text = export.claims_csv(req.db, req.actor, req.settings.tz, month)
    return csv_response(text, f"hotel-night-claims-{month.strip()}.csv" if month else "hotel-night-claims.csv")


routes = [
    Route("/claims", claims_queue, name="api_claims", methods=["GET"]),
    Route("/claims", submit_claim, name="api_submit_claim", methods=["POST"]),
    Route("/claims/mine", my_claims, name="api_my_claims"),
    Route("/claims/totals", claims_totals, name="api_claims_totals"),
    Route("/claims/spend", claims_spend, name="api_claims_spend"),
    Route("/claims/export.csv", claims_export, name="api_claims_export"),
    Route("/claims/{claim_id:int}", get_claim, name="api_claim"),
    Route("/claims/{claim_id:int}/receipt", claim_receipt, name="api_claim_receipt"),
    Route("/claims/{claim_id:int}/approve", approve_claim, methods=["POST"], name="api_approve_claim"),
    Route("/claims/{claim_id:int}/reject", reject_claim, methods=["POST"], name="api_reject_claim"),
    Route("/claims/{claim_id:int}/pay", pay_claim, methods=["POST"], name="api_pay_claim"),
]
