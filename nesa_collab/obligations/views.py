"""Pages (O3): a school's obligations and the coordinator's answers, the decision form, the network's
view for the DPL and Center staff; and the panels other pages show: what the school owes (the
coordinator's home page leads with it) and one's own school's answers, who serves on which Core (the
school's page)."""

from __future__ import annotations

from starlette.routing import Route

from ..network import services as network
from ..web import Waiting, WebRequest, form_page, page, paginate
from . import decisions, reading
from .models import DeclineReason, ObligationKind
from .schemas import DecisionIn


@page("obligation.view")
def school_obligations(req: WebRequest):
    """O3: every obligation of the school, pending first, then upcoming confirmed; past and withdrawn
    ones too; filtered by status."""
    school = network.get_school(req.db, req.actor, req.path_params["school"])
    status = req.query("status")
    stmt = reading.school_obligations_query(req.actor, school, req.today, status)
    return req.render("obligations/school.html", {
        "school": school, "status": status or "", "statuses": reading.STATUS_FILTERS, "today": req.today,
        "page": paginate(req.db, stmt, req.query_int("page", 1), 25),
        "counts": reading.school_counts(req.db, req.actor, school, req.today),
        "can_decide": req.can("obligation.decide", school)})


@page("obligation.decide")
def decide(req: WebRequest):
    """O3: confirm an obligation, or decline it with a reason (for attendance, the budget is one)."""
    row = decisions.for_deciding(req.db, req.actor, req.path_params["obligation_id"])
    back = req.url_for("school_obligations", school=row.school.slug)

    def submit():
        data = req.parse(DecisionIn)
        decisions.decide(req.db, req.actor, row, data.decision, data.reason, data.note)
        return req.redirect(back, flash=f"{'Confirmed' if data.decision == 'confirm' else 'Declined'}: "
                                        f"{row.statement}.")

    reasons = [(r.value, r.label) for r in DeclineReason
               if r != DeclineReason.BUDGET or row.kind == ObligationKind.ATTENDANCE]
    decision = "decline" if req.query("decision") == "decline" else "confirm"
    return form_page(req, "obligations/decide.html", form={"decision": decision, "reason": "", "note": ""},
                     submit=submit, context=lambda: {"o": row, "reasons": reasons, "back": back})


#: How many schools (those with the most pending) and coming conferences the network's page counts.
NETWORK_COUNTS_SHOWN = 10


@page("obligation.oversee")
def network_obligations(req: WebRequest):
    """O3: across the network, for the DPL and Center staff: the counts, the schools with the most
    pending and the coming conferences, and every obligation, filtered by school, conference and
    status, 25 to a page."""
    filters = {"school": req.query("school", ""), "conference": req.query("conference", ""),
               "status": req.query("status", "")}
    stmt = reading.network_query(req.actor, req.today, **{k: v or None for k, v in filters.items()})
    shown = reading.page_of_lines(req.db, stmt, req.query_int("page", 1), 25)
    return req.render("obligations/network.html", {
        "counts": reading.network_counts(req.db, req.actor, req.today, limit=NETWORK_COUNTS_SHOWN),
        "filters": filters, "statuses": reading.STATUS_FILTERS, "today": req.today, "page": shown})


# --- panels on other domains' pages -----------------------------------------------------------------

def home_obligations_panel(req: WebRequest) -> dict | None:
    """O3: a coordinator's home page leads with what the school owes (pending first, then upcoming
    confirmed, with counts); anyone owed something sees their school's answers."""
    dues = reading.what_the_school_owes(req.db, req.actor, req.today)
    mine = reading.answers_for_me(req.db, req.actor, req.today)
    if dues is None and not mine:
        return None
    return {"template": "obligations/_home_panel.html", "dues": dues, "mine": mine, "today": req.today}


def school_cores_panel(req: WebRequest, school) -> dict | None:
    """O1: on the school's page, who of its people serves on which Core, until when; for those who see
    the school's obligations, how many wait for an answer."""
    service = reading.school_core_service(req.db, req.actor, school, req.today)
    counts = reading.school_counts(req.db, req.actor, school, req.today) if req.can("obligation.view", school) \
        else None
    if not service and counts is None:
        return None
    return {"template": "obligations/_school_panel.html", "school": school, "service": service, "counts": counts,
            "today": req.today}


def waiting_for_you(req: WebRequest) -> list[Waiting]:
    """O3: for a coordinator, the school's obligations waiting for an answer (the soonest first)."""
    dues = reading.what_the_school_owes(req.db, req.actor, req.today, limit=1)
    if dues is None or not dues.counts.pending:
        return []
    n, first = dues.counts.pending, dues.pending[0] if dues.pending else None
    text = f"Answer {n} obligation{'s' if n > 1 else ''} of {dues.school.name}" + (
        f" (the soonest on {first.first_day:%-d %b %Y})" if first else "")
    return [Waiting(text, req.url_for("school_obligations", school=dues.school.slug) + "?status=pending", "O3",
                    first.created_at.astimezone(req.settings.tz).date() if first else None)]


routes = [
    Route("/schools/{school:slug}/obligations", school_obligations, name="school_obligations"),
    Route("/obligations", network_obligations, name="obligations"),
    Route("/obligations/{obligation_id:int}/decide", decide, methods=["GET", "POST"], name="decide_obligation"),
]
