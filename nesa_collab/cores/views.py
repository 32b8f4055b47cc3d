"""Pages: the DPL's Core dashboard, a collaborative's Core with its timeline, appointing, ending,
reappointing, and open seats with their candidates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from starlette.routing import Route

from .. import home
from ..auth.models import Person
from ..clock import today
from ..dates import earliest_two_year_end, proposed_term
from ..errors import DomainError
from ..network import services as network
from ..network import views as network_views
from ..network.models import Collaborative
from ..web import WebRequest, page
from . import services
from .models import MAX_CORE, MIN_CORE, Appointment, Candidacy, EndReason
from .schemas import AppointForm, CandidacyIn, EndEarlyIn, ReappointForm


def _today(req: WebRequest) -> date:
    return today(req.settings.tz)


def _collab(req: WebRequest) -> Collaborative:
    return network_views._collab(req)


def _term(req: WebRequest) -> Appointment:
    return req.get_or_404(Appointment, req.path_params["term_id"])


def consultations_from(form) -> list[services.ConsultationInput]:
    return [services.ConsultationInput("executive_director", form.ed_consulted_on, form.ed_method, form.ed_note),
            services.ConsultationInput("pdac", form.pdac_consulted_on, form.pdac_method, form.pdac_note)]


# --- timeline -------------------------------------------------------------------------------------

@dataclass
class Bar:
    term: Appointment
    left: float
    width: float
    status: str


@dataclass
class TimelineRow:
    person: Person
    bars: list[Bar]
    service_from: date
    service_to: date
    continuous: bool


def timeline(terms: list[Appointment], on: date) -> tuple[list[TimelineRow], list[tuple[float, str]], float]:
    """C7: each person's terms as bars on one axis; a reappointment continues the same row."""
    if not terms:
        return [], [], 0.0
    start = min(min(t.starts_on for t in terms), on - timedelta(days=365))
    end = max(max(t.last_day for t in terms), on + timedelta(days=365))
    start, end = date(start.year, 1, 1), date(end.year, 12, 31)
    span = (end - start).days + 1

    def pos(d: date) -> float:
        return round(100 * (d - start).days / span, 3)

    rows: dict[int, TimelineRow] = {}
    for t in sorted(terms, key=lambda t: (t.starts_on, t.id)):
        bar = Bar(t, pos(t.starts_on), max(0.4, pos(t.last_day + timedelta(days=1)) - pos(t.starts_on)), t.status(on))
        row = rows.get(t.person_id)
        if row is None:
            rows[t.person_id] = TimelineRow(t.person, [bar], t.starts_on, t.last_day, False)
        else:
            row.continuous = row.continuous or t.previous_id is not None
            row.bars.append(bar)
            row.service_to = max(row.service_to, t.last_day)
    years = [(pos(date(y, 1, 1)), str(y)) for y in range(start.year, end.year + 1)]
    ordered = sorted(rows.values(), key=lambda r: (r.service_to < on, r.service_from, r.person.name))
    return ordered, years, pos(on)


# --- pages ------------------------------------------------------------------------------------------

@page("core.oversee")
def dashboard(req: WebRequest):
    """The DPL's dashboard: each Core's strength now and over the next 12 months, terms ending
    soon, vacancies, open seats with candidates, and members whose school changed or lapsed."""
    collabs = req.db.scalars(select(Collaborative).where(Collaborative.status != "retired")
                             .order_by(Collaborative.name)).all()
    summaries = services.summarize(req.db, list(collabs), _today(req))
    return req.render("cores/dashboard.html", {
        "summaries": summaries, "today": _today(req), "months": services.month_starts(_today(req)),
        "min_core": MIN_CORE, "max_core": MAX_CORE,
        "short_now": [s for s in summaries if s.flags and s.under_strength],
        "short_soon": [s for s in summaries if not s.under_strength and s.lowest < MIN_CORE],
    })


@page("core.view")
def core_page(req: WebRequest):
    """A collaborative's Core: the roster and each term drawn on a timeline."""
    collab = _collab(req)
    on = _today(req)
    terms = services.terms_of_collaborative(req.db, collab.id)
    rows, years, today_pos = timeline(terms, on)
    summary = services.summarize(req.db, [collab], on)[0]
    current = [t for t in terms if t.is_current(on)]
    return req.render("cores/core.html", {
        "collab": collab, "terms": terms, "rows": rows, "years": years, "today_pos": today_pos,
        "current": current, "summary": summary, "today": on, "reasons": list(EndReason),
        "show_consultations": req.can("core.oversee"),
        "continued": {t.previous_id for t in terms if t.previous_id is not None},
    })


def _appoint_context(req: WebRequest, collab: Collaborative, form: dict, errors: dict) -> dict:
    keep = int(form["person_id"]) if str(form.get("person_id") or "").isdigit() else None
    return {"collab": collab, "form": form, "errors": errors, "q": req.query("q", ""),
            "choices": services.person_choices(req.db, collab, req.query("q"), keep),
            "summary": services.summarize(req.db, [collab], _today(req))[0]}


@page("core.manage")
def appoint(req: WebRequest):
    """C1–C4, C9: appoint a Core member (the form proposes two school years from the next August)."""
    collab = _collab(req)
    on = _today(req)
    start, end = proposed_term(on, req.settings.school_year_start_month)
    form = {"person_id": "", "candidacy_id": "", "starts_on": start.isoformat(), "ends_on": end.isoformat(),
            "ed_consulted_on": "", "ed_method": "email", "ed_note": "", "pdac_consulted_on": "",
            "pdac_method": "meeting", "pdac_note": "", "note": ""}
    candidacy_id = req.query("candidacy")
    if candidacy_id and candidacy_id.isdigit():
        candidacy = req.db.get(Candidacy, int(candidacy_id))
        if candidacy is not None and candidacy.collaborative_id == collab.id:
            form.update(person_id=str(candidacy.person_id), candidacy_id=str(candidacy.id))
    if req.method == "POST":
        form.update({k: req.form.get(k, "") for k in form})
        try:
            data = req.parse(AppointForm)
            if data.person_id is None:
                raise DomainError("C1", "choose who to appoint", field="person_id")
            person = req.db.get(Person, data.person_id)
            if person is None:
                raise DomainError("C1", "no such person", field="person_id")
            candidacy = req.db.get(Candidacy, data.candidacy_id) if data.candidacy_id else None
            term = services.appoint(req.db, req.actor, collab, person, starts_on=data.starts_on,
                                    ends_on=data.ends_on, consultations=consultations_from(data), note=data.note,
                                    candidacy=candidacy, today=on)
            return req.redirect(req.url_for("core", slug=collab.slug),
                                flash=f"{person.name} is appointed to the {collab.name} Core, "
                                      f"{services.fmt(term.starts_on)} – {services.fmt(term.ends_on)}. "
                                      f"They and their school's coordinator are told.")
        except DomainError as exc:
            return req.render("cores/appoint.html", _appoint_context(req, collab, form, exc.field_messages()), 422)
    return req.render("cores/appoint.html", _appoint_context(req, collab, form, {}))


@page("core.manage")
def end_term(req: WebRequest):
    """C5: end a term early (date and reason); the record stays."""
    term = _term(req)
    form = {"ended_on": _today(req).isoformat(), "reason": "", "note": ""}
    context = {"term": term, "reasons": list(EndReason), "form": form, "errors": {}}
    if req.method == "POST":
        form.update({k: req.form.get(k, "") for k in form})
        try:
            data = req.parse(EndEarlyIn)
            services.end_early(req.db, req.actor, term, ended_on=data.ended_on, reason=data.reason, note=data.note)
            return req.redirect(req.url_for("core", slug=term.collaborative.slug),
                                flash=f"{term.person.name}'s term ends on {services.fmt(term.ended_on)}.")
        except DomainError as exc:
            context["errors"] = exc.field_messages()
            return req.render("cores/end.html", context, 422)
    return req.render("cores/end.html", context)


@page("core.manage")
def reappoint(req: WebRequest):
    """C7: a new term from the day after this one ends."""
    term = _term(req)
    next_start = term.ends_on + timedelta(days=1)
    form = {"ends_on": earliest_two_year_end(next_start).isoformat(), "ed_consulted_on": "", "ed_method": "email",
            "ed_note": "", "pdac_consulted_on": "", "pdac_method": "meeting", "pdac_note": "", "note": ""}
    context = {"term": term, "next_start": next_start, "form": form, "errors": {}}
    if req.method == "POST":
        form.update({k: req.form.get(k, "") for k in form})
        try:
            data = req.parse(ReappointForm)
            new = services.reappoint(req.db, req.actor, term, ends_on=data.ends_on,
                                     consultations=consultations_from(data), note=data.note, today=_today(req))
            return req.redirect(req.url_for("core", slug=term.collaborative.slug),
                                flash=f"{term.person.name} is reappointed until {services.fmt(new.ends_on)}.")
        except DomainError as exc:
            context["errors"] = exc.field_messages()
            return req.render("cores/reappoint.html", context, 422)
    return req.render("cores/reappoint.html", context)


def _seats_context(req: WebRequest, collab: Collaborative, errors: dict | None = None, form: dict | None = None):
    on = _today(req)
    seat_info = services.seats(req.db, collab, on)
    candidates = services.open_candidacies(req.db, [collab.id]).get(collab.id, [])
    mine = [c for c in candidates if req.actor and req.actor.id in (c.person_id, c.nominated_by_id)]
    members = [m.person for m in req.db.scalars(network.members_query(collab))]
    return {"collab": collab, "seats": seat_info, "candidates": candidates, "mine": mine,
            "see_all": req.can("core.oversee"), "errors": errors or {},
            "form": form or {"statement": "", "person_id": ""}, "members": members, "today": on}


@page("core.view")
def seats(req: WebRequest):
    """C9: open seats (vacancies and terms ending within a year) and the candidates for them."""
    collab = _collab(req)
    return req.render("cores/seats.html", _seats_context(req, collab))


@page("core.apply")
def apply(req: WebRequest):
    collab = _collab(req)
    try:
        data = req.parse(CandidacyIn)
        services.apply_for_seat(req.db, req.actor, collab, data.statement, _today(req))
    except DomainError as exc:
        return req.render("cores/seats.html", _seats_context(req, collab, exc.field_messages(),
                                                             {"statement": req.form.get("statement", ""),
                                                              "person_id": ""}), 422)
    return req.redirect(req.url_for("seats", slug=collab.slug),
                        flash="Your application is with the Director of Professional Learning.")


@page("core.nominate")
def nominate(req: WebRequest):
    collab = _collab(req)
    try:
        data = req.parse(CandidacyIn)
        person = req.db.get(Person, data.person_id) if data.person_id else None
        if person is None:
            raise DomainError("C9", "choose whom to nominate", field="person_id")
        services.nominate(req.db, req.actor, collab, person, data.statement, _today(req))
    except DomainError as exc:
        return req.render("cores/seats.html", _seats_context(req, collab, exc.field_messages(), {
            "statement": req.form.get("statement", ""), "person_id": req.form.get("person_id", "")}), 422)
    return req.redirect(req.url_for("seats", slug=collab.slug), flash=f"{person.name} is nominated.")


@page("signed_in")
def withdraw(req: WebRequest):
    candidacy = req.get_or_404(Candidacy, req.path_params["candidacy_id"])
    services.withdraw(req.db, req.actor, candidacy)
    return req.redirect(req.url_for("seats", slug=candidacy.collaborative.slug), flash="The candidacy is withdrawn.")


# --- panels on other pages ----------------------------------------------------------------------------

def collaborative_core_panel(req: WebRequest, collab: Collaborative) -> dict:
    current = services.current_core(req.db, collab.id, _today(req))
    return {"template": "cores/_collaborative_panel.html", "collab": collab, "core": current,
            "min_core": MIN_CORE, "max_core": MAX_CORE}


def home_core_panel(req: WebRequest) -> dict | None:
    actor = req.actor
    on = _today(req)
    terms = [t for t in req.db.scalars(select(Appointment).where(Appointment.person_id == actor.id))
             if t.last_day >= on]
    flagged = None
    if req.can("core.oversee"):
        collabs = req.db.scalars(select(Collaborative).where(Collaborative.status != "retired")
                                 .order_by(Collaborative.name)).all()
        flagged = [s for s in services.summarize(req.db, list(collabs), on) if s.flags]
    if not terms and flagged is None:
        return None
    # C7: a reappointment continues the same service, so show one line per Core.
    service: dict[int, dict] = {}
    for t in sorted(terms, key=lambda t: t.starts_on):
        s = service.setdefault(t.collaborative_id, {"collaborative": t.collaborative, "from": t.starts_on,
                                                    "to": t.last_day, "terms": 0})
        s["to"], s["terms"] = max(s["to"], t.last_day), s["terms"] + 1
    return {"template": "cores/_home_panel.html", "my_service": list(service.values()), "flagged": flagged,
            "today": on}


network_views.collaborative_panels.append(collaborative_core_panel)
home.dashboard_panels.append(home_core_panel)


routes = [
    Route("/cores", dashboard, name="cores"),
    Route("/collaboratives/{slug}/core", core_page, name="core"),
    Route("/collaboratives/{slug}/core/appoint", appoint, methods=["GET", "POST"], name="appoint"),
    Route("/collaboratives/{slug}/seats", seats, name="seats"),
    Route("/collaboratives/{slug}/seats/apply", apply, methods=["POST"], name="apply_seat"),
    Route("/collaboratives/{slug}/seats/nominate", nominate, methods=["POST"], name="nominate_seat"),
    Route("/core/terms/{term_id:int}/end", end_term, methods=["GET", "POST"], name="end_term"),
    Route("/core/terms/{term_id:int}/reappoint", reappoint, methods=["GET", "POST"], name="reappoint"),
    Route("/core/candidacies/{candidacy_id:int}/withdraw", withdraw, methods=["POST"], name="withdraw_candidacy"),
]
