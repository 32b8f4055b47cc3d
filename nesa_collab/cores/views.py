"""Pages: the DPL's Core dashboard, a collaborative's Core with its timeline, appointing, ending,
reappointing, and open seats with their candidates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from starlette.routing import Route

from ..auth.models import Person
from ..dates import earliest_two_year_end
from ..network import services as network
from ..network.models import Collaborative
from ..web import Waiting, WebRequest, form_page, page, paginate
from . import announcements, consultations, forms, services
from .models import MAX_CORE, MIN_CORE, Appointment, ConsultationAnswer, EndReason
from .schemas import (AnnouncementIn, AppointForm, AppointmentProposalIn, CandidacyIn, ConsultationAnswerIn,
                      EndEarlyIn, ReappointForm)


def _collab(req: WebRequest) -> Collaborative:
    return network.get_collaborative(req.db, req.actor, req.path_params["slug"])


def _term(req: WebRequest) -> Appointment:
    return services.get_term(req.db, req.actor, req.path_params["term_id"])


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


#: How many Cores needing attention the home page names (the rest are on the dashboard).
HOME_CORES = 5
#: The consultations the home panel lists (then "and N more"), and the "Waiting for you" lines they
#: take before they are one line to /consultations.
HOME_CONSULTATIONS = 5
WAITING_LINES = 3
#: What each flag of a Core's standing is called on the home page.
FLAG_LABELS = {"f3_under": "under strength (F3)", "f3_over": "over strength (F3)",
               "f3_forming": "forming too long under strength (F3)", "f1_outlook": "falling short within a year (F1)",
               "f1_ending": "terms ending without a successor (F1)", "f2_vacant": "seats left vacant (F2)",
               "f8_school": "a member's school changed or lapsed (F8)"}


# --- pages ------------------------------------------------------------------------------------------

@page("core.oversee")
def dashboard(req: WebRequest):
    """The DPL's dashboard: each Core's strength now and over the next 12 months, terms ending
    soon, vacancies, open seats with candidates, and members whose school changed or lapsed — the
    Cores needing attention first, 25 a page, filtered ("needs attention" or all) and searched by name."""
    show = "attention" if req.query("show") == "attention" else "all"
    q = (req.query("q") or "").strip()
    board = services.dashboard(req.db, req.actor, req.today, number=req.query_int("page", 1),
                               attention_only=show == "attention", search=q)
    return req.render("cores/dashboard.html", {
        "board": board, "summaries": board.items, "today": req.today, "months": services.month_starts(req.today),
        "min_core": MIN_CORE, "max_core": MAX_CORE, "show": show, "q": q, "counts": board.counts,
        "short_now": board.short_now, "short_soon": board.short_soon,
    })


@page("core.view")
def core_page(req: WebRequest):
    """A collaborative's Core: the roster and each term drawn on a timeline."""
    collab = _collab(req)
    on = req.today
    terms = services.terms_of_collaborative(req.db, req.actor, collab)
    rows, years, today_pos = timeline(terms, on)
    return req.render("cores/core.html", {
        "collab": collab, "terms": terms, "rows": rows, "years": years, "today_pos": today_pos,
        "current": [t for t in terms if t.is_current(on)], "today": on, "reasons": list(EndReason),
        "summary": services.core_summary(req.db, req.actor, collab, on),
        "show_consultations": req.can("core.oversee"),
        "continued": {t.previous_id for t in terms if t.previous_id is not None},
    })


def _term_form(req: WebRequest, collab: Collaborative) -> tuple[dict, services.ProposedTerm]:
    """The person-and-term fields as a new appointment or proposal form shows them: from the first day
    a seat is open, for two years to the end of a school year (C2, C3, C6), and the candidate when it
    starts from a candidacy (``?candidacy=``, C9)."""
    term = services.term_to_propose(req.db, req.actor, collab, req.today, req.settings.school_year_start_month)
    form = {"person_id": "", "candidacy_id": "", "starts_on": term.starts_on.isoformat(),
            "ends_on": term.ends_on.isoformat(), "note": ""}
    candidacy = services.candidacy_to_appoint(req.db, req.actor, collab, req.query("candidacy"))
    if candidacy is not None:
        form.update(person_id=str(candidacy.person_id), candidacy_id=str(candidacy.id))
    return form, term


def _term_context(req: WebRequest, collab: Collaborative, form: dict, term: services.ProposedTerm) -> dict:
    chosen = req.form.get("person_id") if req.form else form["person_id"]
    keep = int(chosen) if str(chosen or "").isdigit() else None
    q = (req.query("q") or "").strip()
    return {"collab": collab, "q": q, "proposed": term,
            "choices": services.person_choices(req.db, req.actor, collab, q, keep),
            "summary": services.core_summary(req.db, req.actor, collab, req.today)}


@page("core.manage")
def appoint(req: WebRequest):
    """C1–C4, C9: appoint a Core member (the form proposes a term from the first day a seat is open);
    from a proposal (``?proposal=``), the answers given in the product are its consultations."""
    collab = _collab(req)
    term_form, term = _term_form(req, collab)
    form = {**term_form, **forms.CONSULTATION_DEFAULTS, "proposal_id": "", "answers_seen": ""}
    proposal = consultations.proposal_to_appoint(req.db, req.actor, collab,
                                                 req.form.get("proposal_id") if req.form else req.query("proposal"))
    if proposal is not None:
        form.update(person_id=str(proposal.person_id), candidacy_id=str(proposal.candidacy_id or ""),
                    starts_on=proposal.starts_on.isoformat(), ends_on=proposal.ends_on.isoformat(),
                    note=proposal.note, proposal_id=str(proposal.id), answers_seen=proposal.answers_version)

    def submit():
        data = req.parse(AppointForm)
        if data.proposal_id:
            term = consultations.appoint_from_proposal_by_id(
                req.db, req.actor, collab, data.proposal_id, elsewhere=forms.consultations(data), note=data.note,
                answers_seen=data.answers_seen, today=req.today)
        else:
            term = services.appoint_by_ids(req.db, req.actor, collab, person_id=data.person_id,
                                           candidacy_id=data.candidacy_id, starts_on=data.starts_on,
                                           ends_on=data.ends_on, consultations=forms.consultations(data),
                                           note=data.note, today=req.today)
        return req.redirect(req.url_for("core", slug=collab.slug),
                            flash=f"{term.person.name} is appointed to the {collab.name} Core, "
                                  f"{services.fmt(term.starts_on)} – {services.fmt(term.ends_on)}. "
                                  f"They and their school's coordinator are told.")

    def context() -> dict:
        # After a refusal the proposal is read again: an answer may have arrived meanwhile.
        fresh = consultations.proposal_to_appoint(req.db, req.actor, collab, proposal.id) if proposal else None
        return {**_term_context(req, collab, form, term), "proposal": fresh}

    return form_page(req, "cores/appoint.html", form=form, submit=submit, context=context)


@page("core.manage")
def propose(req: WebRequest):
    """C1: prepare an appointment and ask the Executive Director and the PDAC for their view first."""
    collab = _collab(req)
    form, term = _term_form(req, collab)

    def submit():
        data = req.parse(AppointmentProposalIn)
        proposal = consultations.propose_by_ids(req.db, req.actor, collab, person_id=data.person_id,
                                                candidacy_id=data.candidacy_id, starts_on=data.starts_on,
                                                ends_on=data.ends_on, note=data.note, today=req.today)
        return req.redirect(req.url_for("consultations"),
                            flash=f"The Executive Director and the PDAC are asked about appointing "
                                  f"{proposal.person.name} to the {collab.name} Core; you will be told as they answer.")

    return form_page(req, "cores/propose.html", form=form, submit=submit,
                     context=lambda: _term_context(req, collab, form, term))


@page("core.oversee")
def consultations_page(req: WebRequest):
    """C1: for the Executive Director and PDAC members, the requests waiting for their answer (and
    those they answered, which they may change until the appointment); for the DPL, every open
    proposal with its answers so far (25 to a page, of one collaborative if chosen)."""
    collaborative = req.query("collaborative")
    shown = paginate(req.db, consultations.open_proposals_query(req.actor, collaborative=collaborative),
                     req.query_int("page", 1), 25) if req.can("core.manage") else None
    board = consultations.board(req.db, req.actor, req.today, shown.items if shown else ())
    return req.render("cores/consultations.html", {
        "board": board, "page": shown, "collaborative": collaborative or "",
        "collaborative_name": consultations.collaborative_name(req.db, collaborative) if collaborative else "",
        "answers": list(ConsultationAnswer), "form": {}, "errors": {}})


@page("consultation.answer")
def answer_consultation(req: WebRequest):
    """C1: answer a consultation request made of one's body: agree, or concerns with a note."""
    request = consultations.get_request(req.db, req.actor, req.path_params["request_id"])

    def submit():
        data = req.parse(ConsultationAnswerIn)
        consultations.answer(req.db, req.actor, request, answer=data.answer, note=data.note, today=req.today)
        return req.redirect(req.url_for("consultations"),
                            flash="Your answer is with the Director of Professional Learning.")

    def context() -> dict:
        proposal = request.proposal
        return {"r": request, "proposal": proposal, "answers": list(ConsultationAnswer),
                "strength": services.core_summary(req.db, req.actor, proposal.collaborative, req.today).strength}

    return form_page(req, "cores/answer.html", form={"answer": request.answer or "", "note": request.note},
                     submit=submit, context=context)


@page("core.manage")
def withdraw_proposal(req: WebRequest):
    """C1: withdraw a proposal; its requests stop waiting."""
    proposal = consultations.get_proposal(req.db, req.actor, req.path_params["proposal_id"])
    consultations.withdraw_proposal(req.db, req.actor, proposal)
    return req.redirect(req.url_for("consultations"),
                        flash=f"The proposal to appoint {proposal.person.name} is withdrawn.")


@page("core.manage")
def end_term(req: WebRequest):
    """C5: end a term early (date and reason); the record stays."""
    term = _term(req)

    def submit():
        data = req.parse(EndEarlyIn)
        services.end_early(req.db, req.actor, term, ended_on=data.ended_on, reason=data.reason, note=data.note)
        return req.redirect(req.url_for("core", slug=term.collaborative.slug),
                            flash=f"{term.person.name}'s term ends on {services.fmt(term.ended_on)}.")

    return form_page(req, "cores/end.html", form={"ended_on": req.today.isoformat(), "reason": "", "note": ""},
                     submit=submit, context=lambda: {"term": term, "reasons": list(EndReason),
                                                     "strength": _strength_after_end(req, term)})


@dataclass(frozen=True)
class StrengthAfterEnd:
    """C2/C6: the Core's size today and once the term has ended (the page asking first says it)."""

    today: int
    after: int
    serving: bool
    minimum: int
    under: bool


def _strength_after_end(req: WebRequest, term: Appointment) -> StrengthAfterEnd:
    """C6: a term serving today leaves its Core one member smaller; an active Core of fewer than
    MIN_CORE is under strength (a forming one may be small)."""
    today = len(services.current_core(req.db, term.collaborative_id, req.today))
    serving = term.starts_on <= req.today <= term.last_day
    after = today - 1 if serving else today
    return StrengthAfterEnd(today=today, after=after, serving=serving, minimum=MIN_CORE,
                            under=term.collaborative.is_active and after < MIN_CORE)


@page("core.manage")
def reappoint(req: WebRequest):
    """C7: a new term from the day after this one ends."""
    term = _term(req)
    next_start = term.ends_on + timedelta(days=1)

    def submit():
        data = req.parse(ReappointForm)
        new = services.reappoint(req.db, req.actor, term, ends_on=data.ends_on,
                                 consultations=forms.consultations(data), note=data.note, today=req.today)
        return req.redirect(req.url_for("core", slug=term.collaborative.slug),
                            flash=f"{term.person.name} is reappointed until {services.fmt(new.ends_on)}.")

    form = {"ends_on": earliest_two_year_end(next_start).isoformat(), **forms.CONSULTATION_DEFAULTS}
    return form_page(req, "cores/reappoint.html", form=form, submit=submit,
                     context={"term": term, "next_start": next_start})


def _seats_page(req: WebRequest, submit=None):
    """C9: open seats (vacancies and terms ending within a year), the candidates (all of them for
    the DPL, ED and PDAC; one's own otherwise), and the forms to apply or nominate."""
    collab = _collab(req)
    q = (req.query("q") or "").strip()

    def context() -> dict:
        candidates = services.candidacies_for(req.db, req.actor, collab)
        open_seats = services.seats(req.db, req.actor, collab, req.today)
        # C9: whom one may nominate, searched by name or school (``?q=``)
        nominees = (services.nominees(req.db, req.actor, collab, req.today, q)
                    if open_seats.open and req.can("core.nominate") else [])
        asked = ({p.person_id: p for p in consultations.open_proposals(req.db, req.actor, collab)}
                 if req.can("core.oversee") else {})
        return {"collab": collab, "seats": open_seats, "asked": asked, "q": q,
                "candidates": candidates, "mine": candidates, "see_all": req.can("core.oversee"),
                # C9: one open candidacy per person and Core; having one, the page offers to withdraw it
                "applied": any(c.person_id == req.actor.id for c in candidates),
                "members": nominees,
                "today": req.today}

    return form_page(req, "cores/seats.html", form={"statement": "", "person_id": ""},
                     submit=lambda: submit(collab), context=context)


@page("core.view")
def seats(req: WebRequest):
    return _seats_page(req)


@page("core.apply")
def apply(req: WebRequest):
    def submit(collab):
        services.apply_for_seat(req.db, req.actor, collab, req.parse(CandidacyIn).statement, req.today)
        return req.redirect(req.url_for("seats", slug=collab.slug),
                            flash="Your application is with the Director of Professional Learning.")

    return _seats_page(req, submit)


@page("core.nominate")
def nominate(req: WebRequest):
    def submit(collab):
        data = req.parse(CandidacyIn)
        c = services.nominate_by_id(req.db, req.actor, collab, data.person_id, data.statement, req.today)
        return req.redirect(req.url_for("seats", slug=collab.slug), flash=f"{c.person.name} is nominated.")

    return _seats_page(req, submit)


@page("signed_in")
def withdraw(req: WebRequest):
    candidacy = services.get_candidacy(req.db, req.actor, req.path_params["candidacy_id"])
    services.withdraw(req.db, req.actor, candidacy)
    return req.redirect(req.url_for("seats", slug=candidacy.collaborative.slug), flash="The candidacy is withdrawn.")


# --- panels on other pages ----------------------------------------------------------------------------

# --- announcements (M4) ------------------------------------------------------------------------------

@page("signed_in")
def announcement_list(req: WebRequest):
    """M4: a collaborative's announcements, newest first."""
    collab = _collab(req)
    result = paginate(req.db, announcements.announcements_query(req.actor, collab), req.query_int("page", 1), 20)
    return req.render("cores/announcements.html", {"collab": collab, "page": result})


@page("announcement.send")
def new_announcement(req: WebRequest):
    """M4: the Core (or the DPL) sends an announcement to the collaborative's members by mail."""
    collab = _collab(req)
    audience = announcements.audience_size(req.db, req.actor, collab, req.today)

    def submit():
        data = req.parse(AnnouncementIn)
        sent = announcements.send_announcement(req.db, req.actor, collab, subject=data.subject, body=data.body,
                                               today=req.today, settings=req.settings)
        return req.redirect(req.url_for("announcements", slug=collab.slug),
                            flash=f"The announcement is on its way to {sent.recipients} "
                                  f"{'person' if sent.recipients == 1 else 'people'}.")

    return form_page(req, "cores/announcement_form.html", form={"subject": "", "body": ""}, submit=submit,
                     context={"collab": collab, "audience": audience})


def collaborative_core_panel(req: WebRequest, collab: Collaborative) -> dict | None:
    """Who is on the collaborative's Core today (for signed-in people)."""
    if not req.can("core.view"):
        return None
    return {"template": "cores/_collaborative_panel.html", "collab": collab,
            "core": services.current_core(req.db, collab.id, req.today), "min_core": MIN_CORE, "max_core": MAX_CORE}


def collaborative_announcements_panel(req: WebRequest, collab: Collaborative) -> dict | None:
    """M4: the collaborative's latest announcements (for signed-in people), and for its Core the way to send one."""
    if req.actor is None:
        return None
    return {"template": "cores/_announcements_panel.html", "collab": collab,
            "announcements": announcements.latest_announcements(req.db, req.actor, collab)}


def home_core_panel(req: WebRequest) -> dict | None:
    """One's Core service; for the DPL, ED and PDAC, how many Cores need attention (by flag) and the
    first few of them, linking to the dashboard."""
    counts, flagged = None, None
    if req.can("core.oversee"):
        counts, flagged = services.needing_attention(req.db, req.actor, req.today, limit=HOME_CORES)
    service = services.service_of(req.db, req.actor, req.today)
    waiting, total = _consultations_waiting(req)
    waiting = waiting[:HOME_CONSULTATIONS]
    if not service and flagged is None and not waiting:
        return None
    more = total - len(waiting)
    return {"template": "cores/_home_panel.html", "my_service": service, "flagged": flagged, "counts": counts,
            "flag_labels": FLAG_LABELS, "today": req.today, "consultations": waiting,
            "more_consultations": more}


def _consultations_waiting(req: WebRequest):
    """C1: the oldest few consultations waiting for this person and how many there are (read once for
    the home panel and "Waiting for you")."""
    return req.once("consultations", lambda: consultations.waiting_page(
        req.db, req.actor, limit=max(HOME_CONSULTATIONS, WAITING_LINES)))


def waiting_for_you(req: WebRequest) -> list[Waiting]:
    """C1: the consultations the Executive Director and the PDAC are asked for; for the DPL, the
    proposed appointments whose answers are all in."""
    out = []
    found, total = _consultations_waiting(req)
    if total > WAITING_LINES:
        return [Waiting(f"{total} consultations and appointments wait for you", req.url_for("consultations"),
                        "C1", found[0].since.astimezone(req.settings.tz).date())]
    for w in found:
        url = req.url_for(w.route, **w.params)
        if w.query:
            url += "?" + "&".join(f"{k}={v}" for k, v in w.query.items())
        out.append(Waiting(w.summary, url, "C1", w.since.astimezone(req.settings.tz).date()))
    return out


routes = [
    Route("/cores", dashboard, name="cores"),
    Route("/collaboratives/{slug:slug}/core", core_page, name="core"),
    Route("/collaboratives/{slug:slug}/core/appoint", appoint, methods=["GET", "POST"], name="appoint"),
    Route("/collaboratives/{slug:slug}/seats", seats, name="seats"),
    Route("/collaboratives/{slug:slug}/seats/apply", apply, methods=["POST"], name="apply_seat"),
    Route("/collaboratives/{slug:slug}/seats/nominate", nominate, methods=["POST"], name="nominate_seat"),
    Route("/core/terms/{term_id:int}/end", end_term, methods=["GET", "POST"], name="end_term"),
    Route("/core/terms/{term_id:int}/reappoint", reappoint, methods=["GET", "POST"], name="reappoint"),
    Route("/core/candidacies/{candidacy_id:int}/withdraw", withdraw, methods=["POST"], name="withdraw_candidacy"),
    Route("/collaboratives/{slug:slug}/core/propose", propose, methods=["GET", "POST"], name="propose"),
    Route("/consultations", consultations_page, name="consultations"),
    Route("/consultations/{request_id:int}/answer", answer_consultation, methods=["GET", "POST"],
          name="answer_consultation"),
    Route("/core/proposals/{proposal_id:int}/withdraw", withdraw_proposal, methods=["POST"], name="withdraw_proposal"),
    Route("/collaboratives/{slug:slug}/announcements", announcement_list, name="announcements"),
    Route("/collaboratives/{slug:slug}/announcements/new", new_announcement, methods=["GET", "POST"],
          name="new_announcement"),
]
