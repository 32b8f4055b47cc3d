"""JSON API of flags (F1–F8): the flags one may see, one flag, acknowledging it (audited, A1), the
sweep's runs and starting one (the Director)."""

from __future__ import annotations

from starlette.routing import Route

from ..web import WebRequest, api, paginate, problem
from . import runs, services
from .schemas import AcknowledgeIn, FlagOut, RunOut

PAGE_Q = ("page", "integer", "page number (50 per page)")


def _out(req: WebRequest, item: services.FlagItem) -> FlagOut:
    link = req.url_for(item.link.route, **item.link.params) if item.link else None
    return FlagOut.of(item.flag, link)


@api("flag.view", summary="The flags you must act on or oversee: open ones most urgent first, or cleared ones "
     "(F1–F8)", response=FlagOut, many=True, tag="flags",
     query=(("rule", "string", "one rule, F1 to F8"), ("status", "string", "open (default) or cleared"), PAGE_Q))
def list_flags(req: WebRequest):
    stmt = services.flags_query(req.actor, rule=req.query("rule"), status=req.query("status", "open"))
    shown = paginate(req.db, stmt, req.query_int("page", 1), 50)
    return req.json({"items": [_out(req, i) for i in services.links_for(req.db, shown.items)],
                     "page": shown.number, "per_page": shown.per_page, "total": shown.total, "pages": shown.pages})


@api("flag.view", summary="One flag (F1–F8)", response=FlagOut, tag="flags")
def get_flag(req: WebRequest):
    flag = services.get_flag(req.db, req.actor, req.path_params["flag_id"])
    return req.json(_out(req, services.links_for(req.db, [flag])[0]))


@api("flag.acknowledge", summary="Acknowledge a flag with a note: it stays open (F1–F8; audited, A1)",
     body=AcknowledgeIn, response=FlagOut, tag="flags")
def acknowledge_flag(req: WebRequest):
    flag = services.get_flag(req.db, req.actor, req.path_params["flag_id"])
    data = req.parse(AcknowledgeIn)
    services.acknowledge(req.db, req.actor, flag, data.note)
    return req.json(_out(req, services.links_for(req.db, [flag])[0]))


@api("sweep.run", summary="The sweep's runs, latest first (F1–F8: the Director)", response=RunOut, many=True,
     tag="flags", query=(PAGE_Q,))
def list_runs(req: WebRequest):
    shown = paginate(req.db, runs.runs_query(req.actor), req.query_int("page", 1), 50)
    return req.json({"items": [RunOut.of(r) for r in shown.items], "page": shown.number, "per_page": shown.per_page,
                     "total": shown.total, "pages": shown.pages})


@api("sweep.run", summary="Sweep the network now (F1–F8: the Director); 409 while another sweep runs",
     response=RunOut, status=201, tag="flags", own_transactions=True)
def start_run(req: WebRequest):
    outcome = runs.start_run(req.database, req.actor, req.today, req.settings)
    if outcome.skipped:
        return problem(409, "Conflict", f"No sweep was run: {outcome.skipped}.")
    return req.json(RunOut.of(runs.get_run(req.db, req.actor, outcome.run_id)))


routes = [
    Route("/flags", list_flags, methods=["GET"], name="api_flags"),
    Route("/flags/runs", list_runs, methods=["GET"], name="api_flag_runs"),
    Route("/flags/runs", start_run, methods=["POST"], name="api_start_flag_run"),
    Route("/flags/{flag_id:int}", get_flag, methods=["GET"], name="api_flag"),
    Route("/flags/{flag_id:int}/acknowledge", acknowledge_flag, methods=["POST"], name="api_acknowledge_flag"),
]
