"""Pages of hotel-night claims (S3): a Core member claims the night against a planning meeting and
follows their claims; Center staff work through the queue (oldest first), approve, reject with a
reason or mark paid, see the totals per conference and per collaborative, and export the CSV."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.routing import Route

from ..meetings import services as meetings
from ..meetings.models import Meeting
from ..web import Waiting, WebRequest, form_page, page, paginate
from . import claims, export, forms, totals
from .models import Claim
from .receipts import ReceiptStore, megabytes
from .responses import csv_response, receipt_response
from .schemas import ClaimFields, PayIn, RejectIn


#: What the queue can be narrowed to, by slug: the conference, the meeting's collaborative, the claimant's school.
QUEUE_NARROWING = ("conference", "collaborative", "school")


def _claim(req: WebRequest) -> Claim:
    return claims.get_claim(req.db, req.actor, req.path_params["claim_id"])


@page("claim.submit")
def claim_night(req: WebRequest):
    """S3: the Core member's "claim the hotel night" against a planning meeting, with the receipt."""
    meeting = meetings.get_meeting(req.db, req.actor, req.path_params["meeting_id"])
    store = ReceiptStore.of(req.settings)
    option = claims.claim_option(req.db, req.actor, meeting)

    def submit():
        data = req.parse(ClaimFields)
        receipt, name = forms.uploaded(req.form, store.max_bytes)
        claim = claims.submit_claim(req.db, req.actor, meeting, night_on=data.night_on, amount=data.amount,
                                    currency=data.currency, receipt=receipt, receipt_name=name, store=store,
                                    nights=data.nights)
        return req.redirect(req.url_for("claim", claim_id=claim.id),
                            flash="Your claim is submitted; Center staff will review it.")

    return form_page(req, "support/claim_form.html", form=forms.claim_form(meeting), submit=submit, context=lambda: {
        "meeting": meeting, "option": option, "nights": forms.night_choices(meeting),
        "max_size": megabytes(store.max_bytes)})


@page("claim.view")
def my_claims(req: WebRequest):
    """S3: one's own claims, with their status, the reason of a rejection and the payment's reference."""
    shown = paginate(req.db, claims.lines(claims.my_claims_query(req.actor)), req.query_int("page", 1), 25,
                     scalars=False)
    return req.render("support/my_claims.html", {"page": shown})


@page("claim.decide")
def claims_queue(req: WebRequest):
    """S3: the claims queue for Center staff: those waiting, oldest first (or one status, or all), of
    one conference, collaborative or school; 25 to a page."""
    show = req.query("show", "waiting")
    narrowed = {k: req.query(k) for k in QUEUE_NARROWING if req.query(k)}
    stmt = claims.lines(claims.queue_query(req.actor, show, **narrowed))
    shown = paginate(req.db, stmt, req.query_int("page", 1), 25, scalars=False)
    query = {"show": show, **narrowed}
    names = claims.filter_names(req.db, **narrowed)
    # Each filter in force, named, with the link that lifts it (keeping the others).
    lift = [(k, names[k], req.url_for("claims") + "?" + urlencode({q: v for q, v in query.items() if q != k}))
            for k in narrowed]
    return req.render("support/queue.html", {"page": shown, "show": show, "filters": claims.QUEUE_FILTERS,
                                             "query": query, "narrowed": lift})


@page("claim.view")
def claim_page(req: WebRequest):
    """S3: a claim, for its claimant, Center staff and the DPL; staff decide it here."""
    claim = _claim(req)
    return req.render("support/claim.html", {"claim": claim, "can_decide": req.can("claim.decide", claim)})


@page("claim.decide")
def approve_claim(req: WebRequest):
    """S3: approve a submitted claim."""
    claim = claims.approve(req.db, req.actor, _claim(req))
    return req.redirect(req.url_for("claim", claim_id=claim.id), flash=f"Claim #{claim.id} is approved.")


@page("claim.decide")
def reject_claim(req: WebRequest):
    """S3: reject a claim with a reason (after a confirmation page)."""
    claim = _claim(req)

    def submit():
        claims.reject(req.db, req.actor, claim, req.parse(RejectIn).reason)
        return req.redirect(req.url_for("claim", claim_id=claim.id), flash=f"Claim #{claim.id} is rejected.")

    return form_page(req, "support/reject.html", form={"reason": ""}, submit=submit, context={"claim": claim})


@page("claim.decide")
def pay_claim(req: WebRequest):
    """S3: mark an approved claim paid, with the payment's reference."""
    claim = _claim(req)

    def submit():
        claims.mark_paid(req.db, req.actor, claim, req.parse(PayIn).reference)
        return req.redirect(req.url_for("claim", claim_id=claim.id), flash=f"Claim #{claim.id} is marked paid.")

    return form_page(req, "support/pay.html", form={"reference": ""}, submit=submit, context={"claim": claim})


@page("claim.view")
def claim_receipt(req: WebRequest):
    """S3: the receipt, always as a download, for the claimant, Center staff and the DPL."""
    claim, data = claims.receipt_of(req.db, req.actor, req.path_params["claim_id"], ReceiptStore.of(req.settings))
    return receipt_response(claim, data)


@page("claim.decide")
def claims_totals(req: WebRequest):
    """S3: spend per conference and per collaborative, one line per currency."""
    return req.render("support/totals.html", {"by_conference": totals.totals_by_conference(req.db, req.actor),
                                              "by_collaborative": totals.totals_by_collaborative(req.db, req.actor)})


@page("claim.decide")
def claims_export(req: WebRequest):
    """S3: the finance office's CSV, one row per claim (``?month=2027-03``: the nights of that month)."""
    month = req.query("month")
    text = export.claims_csv(req.db, req.actor, req.settings.tz, month)
    return csv_response(text, f"hotel-night-claims-{month.strip()}.csv" if month else "hotel-night-claims.csv")


# --- panels on the home page and on a meeting's page ---------------------------------------------------

def waiting_for_you(req: WebRequest) -> list[Waiting]:
    """S3: for Center staff, the claims waiting for a decision or payment; for a claimant, where their
    unpaid claims stand."""
    out = []
    if req.can("claim.decide"):
        count, oldest = claims.waiting_summary(req.db, req.actor)
        if count:
            since = oldest.astimezone(req.settings.tz).date()
            out.append(Waiting(f"Decide or pay {count} hotel-night claim{'s' if count > 1 else ''} (the oldest "
                               f"submitted {since:%-d %b %Y})", req.url_for("claims"), "S3", since))
    for c in claims.my_open_claims(req.db, req.actor):
        state = {"submitted": "is with Center staff", "approved": "is approved, to be paid",
                 "rejected": f"was rejected: {c.rejection_reason}"}.get(c.status.value, c.status.value)
        out.append(Waiting(f"Your hotel-night claim for {c.conference_name} {state}",
                           req.url_for("claim", claim_id=c.id), "S3"))
    return out


def home_claims_panel(req: WebRequest) -> dict[str, Any] | None:
    """S3: Center staff: how many claims wait, since when; a Core member: the planning meetings they
    may claim the night for; anyone who claimed: their claims."""
    actor = req.actor
    panel: dict[str, Any] = {"template": "support/_home_panel.html", "waiting": None, "mine": [], "claimable": []}
    if req.can("claim.decide"):
        panel["waiting"] = claims.waiting_summary(req.db, actor)
    panel["mine"] = list(req.db.execute(claims.lines(claims.my_claims_query(actor).limit(5))))
    if req.can("claim.submit"):
        panel["claimable"] = claims.claimable_meetings(req.db, actor, req.today)
    if panel["waiting"] is None and not panel["mine"] and not panel["claimable"]:
        return None
    return panel


def meeting_claim_panel(req: WebRequest, meeting: Meeting) -> dict[str, Any] | None:
    """S3: on a planning meeting's page, its Core members' link to claim the hotel night (or their
    claim for the conference, once made)."""
    if not meeting.is_planning or meeting.conference is None or not req.can("claim.submit"):
        return None
    option = claims.claim_option(req.db, req.actor, meeting)
    if option.claim is None and meeting.collaborative_id not in req.actor.core_of:
        return None
    return {"template": "support/_meeting_panel.html", "option": option}


routes = [
    Route("/meetings/{meeting_id:int}/claim", claim_night, methods=["GET", "POST"], name="claim_night"),
    Route("/claims", claims_queue, name="claims"),
    Route("/claims/mine", my_claims, name="my_claims"),
    Route("/claims/totals", claims_totals, name="claims_totals"),
    Route("/claims/export.csv", claims_export, name="claims_export"),
    Route("/claims/{claim_id:int}", claim_page, name="claim"),
    Route("/claims/{claim_id:int}/receipt", claim_receipt, name="claim_receipt"),
    Route("/claims/{claim_id:int}/approve", approve_claim, methods=["POST"], name="approve_claim"),
    Route("/claims/{claim_id:int}/reject", reject_claim, methods=["GET", "POST"], name="reject_claim"),
    Route("/claims/{claim_id:int}/pay", pay_claim, methods=["GET", "POST"], name="pay_claim"),
]
