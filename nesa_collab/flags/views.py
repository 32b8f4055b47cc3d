"""Pages of flags (F1–F8): the open flags one must act on or oversees, acknowledging one with a note,
the history charted over time, and the sweep's runs with the Director's "sweep now" button."""

from __future__ import annotations

from starlette.routing import Route

from ..web import Waiting, WebRequest, form_page, page, paginate
from . import history as charts
from . import runs, services
from .models import FlagRule
from .schemas import AcknowledgeIn


@page("flag.view")
def flag_list(req: WebRequest):
    """F1–F8: the open flags the viewer must act on or oversees (or those cleared), by rule, most
    urgent first, each with the page where it is fixed."""
    rule = req.query("rule", "")
    status = "cleared" if req.query("status") == "cleared" else "open"
    stmt = services.flags_query(req.actor, rule=rule, status=status)
    shown = paginate(req.db, stmt, req.query_int("page", 1), 25)
    return req.render("flags/list.html", {
        "page": shown, "items": services.links_for(req.db, shown.items), "rule": rule, "status": status,
        "rules": list(FlagRule), "counts": services.counts_by_rule(req.db, req.actor),
        "last_run": runs.latest_run(req.db, req.actor) if req.can("sweep.run") else None})


@page("flag.acknowledge")
def acknowledge(req: WebRequest):
    """F1–F8: acknowledge a flag with a note: it stays open, showing who acknowledged it and why."""
    flag = services.get_flag(req.db, req.actor, req.path_params["flag_id"])
    [item] = services.links_for(req.db, [flag])
    back = req.url_for("flags") + f"?rule={flag.rule}"

    def submit():
        data = req.parse(AcknowledgeIn)
        services.acknowledge(req.db, req.actor, flag, data.note)
        return req.redirect(back, flash=f"Acknowledged: {flag.message}")

    return form_page(req, "flags/acknowledge.html", form={"note": flag.acknowledged_note or ""}, submit=submit,
                     context=lambda: {"item": item, "back": back})


@page("flag.view")
def flag_history(req: WebRequest):
    """F1–F8: flags raised and cleared per week or month, and the Core terms ending by month across the
    network, each as a chart drawn on the server with its numbers in a table."""
    h = charts.flag_history(req.db, req.actor, req.today, req.query("period", "month"), req.query("rule"))
    months = charts.terms_ending(req.db, req.actor, req.today)
    return req.render("flags/history.html", {
        "h": h, "flags_chart": charts.flags_chart(h), "months": months,
        "terms_chart": charts.terms_chart(months, req.today), "periods": list(charts.PERIODS)})


@page("sweep.run")
def run_list(req: WebRequest):
    """F1–F8: the sweep's runs, latest first, and the button that runs one now."""
    shown = paginate(req.db, runs.runs_query(req.actor), req.query_int("page", 1), 25)
    return req.render("flags/runs.html", {"page": shown, "today": req.today, "settings": req.settings})


@page("sweep.run", own_transactions=True)
def start_run(req: WebRequest):
    """F1–F8: the Director sweeps the network now (the lease keeps it from running twice at once)."""
    outcome = runs.start_run(req.database, req.actor, req.today, req.settings)
    if outcome.skipped:
        message = f"No sweep was run: {outcome.skipped}."
    elif outcome.error:
        message = f"The sweep failed and changed nothing: {outcome.error}"
    elif not outcome.judged:
        message = "Nothing has changed since the last sweep of today: the flags are as they were."
    else:
        message = f"Swept: {outcome.raised} flags raised, {outcome.cleared} cleared."
    return req.redirect(req.url_for("flag_runs"), flash=message)


def waiting_for_you(req: WebRequest) -> list[Waiting]:
    """F1–F8: the open flags the viewer must act on, each linking to the page where it is fixed (an
    acknowledged one says by whom); a rule with many flags is one line leading to its flags."""
    out = []
    for item in services.waiting_for(req.db, req.actor):
        if isinstance(item, services.RuleGroup):
            out.append(Waiting(f"{item.count} flags: {item.rule.title.lower()}",
                               req.url_for("flags") + f"?rule={item.rule}", str(item.rule), item.since))
            continue
        fl = item.flag
        text = fl.sentence
        if fl.is_acknowledged:
            text += f" (acknowledged by {fl.acknowledged_by.name if fl.acknowledged_by else 'the system'})"
        url = req.url_for(item.link.route, **item.link.params) if item.link else req.url_for("flags")
        out.append(Waiting(text, url, str(fl.rule), fl.raised_on))
    return out


routes = [
    Route("/flags", flag_list, name="flags"),
    Route("/flags/{flag_id:int}/acknowledge", acknowledge, methods=["GET", "POST"], name="acknowledge_flag"),
    Route("/flags/history", flag_history, name="flag_history"),
    Route("/flags/runs", run_list, methods=["GET"], name="flag_runs"),
    Route("/flags/runs", start_run, methods=["POST"], name="start_flag_run"),
]
