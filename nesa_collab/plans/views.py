"""Pages: the plans overview, a collaborative's plan (with its P5 badge), starting and revising a plan,
revisions and their comparison, review, print and Markdown export, the template, and the Core's
updates and proposals with the DPL's inbox (M4)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.responses import Response
from starlette.routing import Route

from ..auth.models import Role
from ..clock import today
from ..dates import school_year_of
from ..errors import DomainError, FieldError
from ..network import services as network
from ..network.models import Collaborative
from ..web import WebRequest, page, paginate, validation_error
from . import services
from .diff import compare, section_lines
from .models import OfferingKind, Plan, Post, PostKind, SectionKind
from .schemas import AnswerIn, PlanContentIn, PlanCreateIn, PostIn, ReviewIn, TemplateIn

EXTRA_ROWS = 2


def _today(req: WebRequest) -> date:
    return today(req.settings.tz)


def _collab(req: WebRequest) -> Collaborative:
    return network.get_collaborative(req.db, req.actor, req.path_params["slug"])


def _plan(req: WebRequest) -> Plan:
    return req.get_or_404(Plan, req.path_params["plan_id"])


def _validate(model: type[BaseModel], data: dict[str, Any]) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc) from None


# --- reading --------------------------------------------------------------------------------------

@page("plan.view")
def overview(req: WebRequest):
    """Every collaborative's current plan, with the P5 badge and its reasons."""
    standings = services.all_standings(req.db, _today(req), req.settings)
    return req.render("plans/overview.html", {"standings": standings, "today": _today(req)})


def _plan_context(req: WebRequest, plan: Plan) -> dict[str, Any]:
    on = _today(req)
    standing = services.standings(req.db, [plan.collaborative], on, req.settings)[0]
    is_current = standing.plan is not None and standing.plan.id == plan.id
    reviews = services.reviews(req.db, plan)
    # P4: the DPL's latest comment stays in view while the Core drafts the next revision.
    last_comment = next((r for r in reviews if r.action != "submitted" and r.comment), None)
    return {
        "plan": plan, "collab": plan.collaborative, "today": on, "is_current": is_current,
        "reasons": services.out_of_date(plan, plan.collaborative, on, req.settings) if is_current else [],
        "others": [p for p in services.plans_of(req.db, plan.collaborative) if p.id != plan.id],
        "revisions": services.revisions(req.db, plan, limit=8), "reviews": reviews,
        "last_comment": last_comment, "errors": {}, "comment": "",
    }


@page("plan.view")
def collaborative_plan(req: WebRequest):
    """P1: a collaborative's current plan (or why it has none)."""
    collab = _collab(req)
    on = _today(req)
    standing = services.standings(req.db, [collab], on, req.settings)[0]
    if standing.plan is None:
        return req.render("plans/none.html", {"collab": collab, "reasons": standing.reasons})
    return req.render("plans/plan.html", _plan_context(req, standing.plan))


@page("plan.view")
def plan_page(req: WebRequest):
    return req.render("plans/plan.html", _plan_context(req, _plan(req)))


@page("plan.view")
def print_page(req: WebRequest):
    """A clean page for printing (the print stylesheet drops navigation and controls)."""
    plan = _plan(req)
    return req.render("plans/print.html", {"plan": plan, "collab": plan.collaborative, "today": _today(req)})


#: Characters that mean something in Markdown wherever they stand, and at the start of a line.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])", re.MULTILINE)


def md_text(text: str | None) -> str:
    """User text as literal Markdown: what people typed shows as typed, not as markup."""
    escaped = _MD_INLINE.sub(r"\\\1", text or "")

    def guard(m: re.Match) -> str:  # "# x" -> "\\# x"; "1. x" -> "1\\. x"
        mark = m.group(2)
        return m.group(1) + (mark[:-1] + "\\" + mark[-1] if mark[0].isdigit() else "\\" + mark)
    return _MD_LINE_START.sub(guard, escaped)


def md_cell(text: str | None) -> str:
    """User text inside a Markdown table cell: escaped, on one line."""
    return " ".join(md_text(text).split())


def markdown_of(req: WebRequest, plan: Plan) -> str:
    """The plan as a Markdown document, rendered from a template; user text goes through ``md_text``."""
    env = req.request.app.state.templates.env
    return env.get_template("plans/plan.md").render(plan=plan, collab=plan.collaborative, today=_today(req),
                                                    settings=req.settings, md=md_text, md_cell=md_cell)


@page("plan.view")
def export_markdown(req: WebRequest):
    plan = _plan(req)
    name = re.sub(r"[^a-z0-9]+", "-", f"{plan.collaborative.slug} plan {plan.years_label}".lower()).strip("-")
    return Response(markdown_of(req, plan), media_type="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.md"'})


@page("plan.view")
def revisions_page(req: WebRequest):
    plan = _plan(req)
    revs = services.revisions(req.db, plan)
    return req.render("plans/revisions.html", {"plan": plan, "collab": plan.collaborative, "revisions": revs})


@page("plan.view")
def revision_page(req: WebRequest):
    plan = _plan(req)
    rev = services.revision(req.db, plan, req.path_params["number"])
    previous = rev.number - 1 if rev.number > 1 else None
    return req.render("plans/revision.html", {"plan": plan, "collab": plan.collaborative, "rev": rev,
                                              "previous": previous, "sections": section_lines(rev.content)})


@page("plan.view")
def compare_page(req: WebRequest):
    """P3: two revisions side by side, with the changes highlighted."""
    plan = _plan(req)
    old, new = services.revisions_to_compare(req.db, plan, req.query("new"), req.query("old"))
    sections = compare(old.content, new.content)
    return req.render("plans/compare.html", {"plan": plan, "collab": plan.collaborative, "old": old, "new": new,
                                             "sections": sections, "revisions": services.revisions(req.db, plan)})


# --- starting and revising ------------------------------------------------------------------------

@page("plan.edit")
def new_plan(req: WebRequest):
    """P1/P2: start a plan from the current template, covering at least two school years."""
    collab = _collab(req)
    req.require("plan.edit", collab)
    on = _today(req)
    year = school_year_of(on, req.settings.school_year_start_month)
    existing = services.plans_of(req.db, collab)
    first = max([year.start_year] + [p.last_year + 1 for p in existing if p.last_year >= year.start_year])
    form = {"title": f"{collab.name} professional learning plan", "first_year": first, "last_year": first + 2}
    context = {"collab": collab, "form": form, "errors": {}, "years": _year_choices(year.start_year, req),
               "template": services.current_template(req.db)}
    if req.method == "POST":
        try:
            data = req.parse(PlanCreateIn)
            plan = services.create_plan(req.db, req.actor, collab, settings=req.settings, **data.model_dump())
            return req.redirect(req.url_for("plan", plan_id=plan.id), flash="The plan is started as a draft.")
        except DomainError as exc:
            context["form"] = {k: req.form.get(k, "") for k in form}
            context["errors"] = exc.field_messages()
            return req.render("plans/new.html", context, 422)
    return req.render("plans/new.html", context)


def _year_choices(start: int, req: WebRequest) -> list[tuple[int, str]]:
    from ..dates import SchoolYear

    month = req.settings.school_year_start_month
    return [(y, SchoolYear(y, month).label) for y in range(start - 2, start + 6)]


def _rows(form, prefix: str, names: list[str], checks: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Parallel form lists ``{prefix}_{name}`` as rows; a check box sends its row's index."""
    columns = {n: form.getlist(f"{prefix}_{n}") for n in names}
    count = max((len(v) for v in columns.values()), default=0)
    checked = {c: set(form.getlist(f"{prefix}_{c}")) for c in checks}
    rows = []
    for i in range(count):
        row = {n: (columns[n][i].strip() if i < len(columns[n]) and isinstance(columns[n][i], str) else "")
               for n in names}
        for c in checks:
            row[c] = str(i) in checked[c]
        rows.append(row)
    return rows


def _kept(rows: list[dict[str, Any]], required: tuple[str, ...]) -> tuple[list[dict[str, Any]], list[int]]:
    """Rows with something in their ``required`` fields, and their indices in the form."""
    kept, index = [], []
    for i, r in enumerate(rows):
        if any(r.get(f) for f in required):
            kept.append(r)
            index.append(i)
    return kept, index


def _remap(exc: DomainError, indices: dict[str, list[int]]) -> DomainError:
    """Point errors on ``milestones.2.title`` at the form row they came from."""
    def fix(name: str | None) -> str | None:
        m = re.match(r"^(\w+)\.(\d+)\.(\w+)$", name or "")
        if m and m.group(1) in indices and int(m.group(2)) < len(indices[m.group(1)]):
            return f"{m.group(1)}.{indices[m.group(1)][int(m.group(2))]}.{m.group(3)}"
        return name
    exc.errors = [FieldError(fix(e.field), e.message, e.rule) for e in exc.errors]
    exc.field = fix(exc.field)
    return exc


def _form_from_plan(plan: Plan) -> dict[str, Any]:
    blank_m = {"id": "", "title": "", "owner_id": "", "due_on": "", "is_done": False}
    return {
        "title": plan.title, "summary": "", "first_year": plan.first_year, "last_year": plan.last_year,
        "texts": dict(plan.texts or {}),
        "goals": [{"statement": g.statement, "student_learning": g.student_learning} for g in plan.goals]
                 + [{"statement": "", "student_learning": ""}] * EXTRA_ROWS,
        "offerings": [{"school_year": o.school_year, "kind": o.kind, "title": o.title, "description": o.description}
                      for o in plan.offerings]
                     + [{"school_year": plan.first_year, "kind": "conference_strand", "title": "", "description": ""}]
                     * EXTRA_ROWS,
        "milestones": [{"id": m.id, "title": m.title, "owner_id": m.owner_id or "", "due_on": m.due_on.isoformat(),
                        "is_done": m.is_done} for m in plan.milestones] + [blank_m] * EXTRA_ROWS,
        "evidence": [{"indicator": e.indicator, "source": e.source} for e in plan.evidence]
                    + [{"indicator": "", "source": ""}] * EXTRA_ROWS,
    }


def _content_from_form(req: WebRequest, plan: Plan) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[int]]]:
    """The submitted edit form as (content for the service, form for re-rendering, row indices)."""
    f = req.form
    goals = _rows(f, "goal", ["statement", "student_learning"])
    offerings = _rows(f, "offering", ["school_year", "kind", "title", "description"])
    milestones = _rows(f, "milestone", ["id", "title", "owner_id", "due_on"], checks=("is_done",))
    evidence = _rows(f, "evidence", ["indicator", "source"])
    text_keys = [s.key for s in plan.template.sections if SectionKind(s.kind).is_text]
    form = {"title": f.get("title", ""), "summary": f.get("summary", ""), "first_year": f.get("first_year", ""),
            "last_year": f.get("last_year", ""), "texts": {k: f.get(f"text_{k}", "") for k in text_keys},
            "goals": goals, "offerings": offerings, "milestones": milestones, "evidence": evidence}
    kept_goals, gi = _kept(goals, ("statement", "student_learning"))
    kept_offerings, oi = _kept(offerings, ("title", "description"))
    kept_milestones, mi = _kept(milestones, ("title", "due_on"))
    kept_evidence, ei = _kept(evidence, ("indicator", "source"))
    form["base_revision"] = f.get("base_revision", "")
    content = {
        "summary": form["summary"], "title": form["title"], "base_revision": form["base_revision"] or None,
        "first_year": form["first_year"] or None, "last_year": form["last_year"] or None,
        "texts": form["texts"], "goals": kept_goals, "offerings": kept_offerings,
        "milestones": [{**m, "id": m["id"] or None, "owner_id": m["owner_id"] or None, "due_on": m["due_on"] or None}
                       for m in kept_milestones],
        "evidence": kept_evidence,
    }
    return content, form, {"goals": gi, "offerings": oi, "milestones": mi, "evidence": ei}


@page("plan.edit")
def edit_plan(req: WebRequest):
    """P3/P4: revise the plan (Core members of the collaborative and the DPL); each save is a revision."""
    plan = _plan(req)
    collab = plan.collaborative
    req.require("plan.edit", collab)
    if req.method == "GET" and not plan.is_editable:
        # P4: nothing to fill in while the DPL reviews; say so instead of a form that would fail.
        # (A form posted meanwhile still reaches the service and is shown again with the P4 error.)
        return req.redirect(req.url_for("plan", plan_id=plan.id),
                            flash="P4: the plan is with the DPL for review; it can be revised once it is "
                                  "accepted or returned.")
    on = _today(req)
    context = {"plan": plan, "collab": collab, "errors": {}, "core": services.core_people(req.db, collab, on),
               "offering_kinds": list(OfferingKind), "today": on, "conflict": None}
    if req.method == "POST":
        content, form, indices = _content_from_form(req, plan)
        try:
            try:
                data = _validate(PlanContentIn, content)
            except DomainError as exc:
                raise _remap(exc, indices) from None
            try:
                rev = services.save_plan(req.db, req.actor, plan, data.model_dump(exclude={"summary", "base_revision"}),
                                         data.summary, on, base_revision=data.base_revision)
            except DomainError as exc:
                raise _remap(exc, indices) from None
            return req.redirect(req.url_for("plan", plan_id=plan.id),
                                flash=f"Saved as revision {rev.number}.")
        except DomainError as exc:
            req.db.rollback()
            plan = _plan(req)
            errors = exc.field_messages()
            if "base_revision" in errors:
                # P3: someone saved meanwhile. Keep what was typed, link to their changes, and start
                # from the latest revision so saving again is a deliberate choice.
                latest = services.latest_number(req.db, plan)
                context["conflict"] = {"message": errors.pop("base_revision"), "old": form["base_revision"],
                                       "new": latest}
                form["base_revision"] = latest
            context.update(plan=plan, form=form, errors=errors)
            return req.render("plans/edit.html", context, 422)
    context["form"] = _form_from_plan(plan)
    context["form"]["base_revision"] = services.latest_number(req.db, plan)
    return req.render("plans/edit.html", context)


@page("plan.edit")
def submit_plan(req: WebRequest):
    """P4: send the plan to the DPL for review."""
    plan = _plan(req)
    req.require("plan.edit", plan.collaborative)
    try:
        services.submit_plan(req.db, req.actor, plan)
    except DomainError as exc:
        context = _plan_context(req, plan)
        context["errors"] = {"status": str(exc)}
        return req.render("plans/plan.html", context, 422)
    return req.redirect(req.url_for("plan", plan_id=plan.id), flash="The plan is submitted to the DPL for review.")


@page("plan.review")
def review_plan(req: WebRequest):
    """P4: the DPL accepts a submitted plan, or returns it with comments."""
    plan = _plan(req)
    decision = req.form.get("decision", "") if req.form else ""
    try:
        data = req.parse(ReviewIn)
        if decision == "accept":
            services.accept_plan(req.db, req.actor, plan, data.comment)
            message = "The plan is accepted."
        elif decision == "return":
            services.return_plan(req.db, req.actor, plan, data.comment)
            message = "The plan is returned to the Core with your comments."
        else:
            raise DomainError("P4", "accept or return the plan", field="decision")
    except DomainError as exc:
        req.db.rollback()
        plan = _plan(req)
        context = _plan_context(req, plan)
        context["errors"] = exc.field_messages() or {"status": str(exc)}
        context["comment"] = req.form.get("comment", "") if req.form else ""
        return req.render("plans/plan.html", context, 422)
    return req.redirect(req.url_for("plan", plan_id=plan.id), flash=message)


# --- the template (P2) ----------------------------------------------------------------------------

@page("plan.view")
def template_page(req: WebRequest):
    versions = services.template_versions(req.db)
    return req.render("plans/template.html", {"template": versions[0] if versions else None,
                                              "versions": versions})


@page("template.manage")
def edit_template(req: WebRequest):
    """P2: the DPL edits the template; saving makes a new version (plans keep theirs)."""
    current = services.current_template(req.db)
    kinds = [(k.value, k.label) for k in SectionKind]
    blank = {"key": "", "title": "", "kind": "free_text", "guidance": ""}
    if req.method == "POST":
        rows = _rows(req.form, "section", ["key", "title", "kind", "guidance"])
        kept, index = _kept(rows, ("title", "guidance"))
        try:
            try:
                data = _validate(TemplateIn, {"sections": kept, "summary": req.form.get("summary", "")})
                t = services.save_template(req.db, req.actor, [s.model_dump() for s in data.sections], data.summary)
            except DomainError as exc:
                raise _remap(exc, {"sections": index}) from None
            return req.redirect(req.url_for("plan_template"), flash=f"Saved template version {t.version}.")
        except DomainError as exc:
            form = {"sections": rows, "summary": req.form.get("summary", "")}
            return req.render("plans/template_edit.html", {"form": form, "errors": exc.field_messages(),
                                                           "kinds": kinds, "current": current}, 422)
    sections = [{"key": s.key, "title": s.title, "kind": s.kind, "guidance": s.guidance}
                for s in (current.sections if current else [])]
    form = {"sections": sections + [blank] * EXTRA_ROWS, "summary": ""}
    return req.render("plans/template_edit.html", {"form": form, "errors": {}, "kinds": kinds, "current": current})


# --- updates and proposals (M4) -------------------------------------------------------------------

@page("post.view")
def inbox(req: WebRequest):
    """M4: open proposals, oldest first, then the latest updates and answered proposals."""
    scope = services.post_scope(req.actor)
    proposals = services.open_proposals(req.db, scope=scope)
    recent = paginate(req.db, services.posts_query(scope=scope), req.query_int("page", 1), 20)
    return req.render("plans/inbox.html", {"proposals": proposals, "recent": recent})


@page("post.view")
def collaborative_posts(req: WebRequest):
    collab = _collab(req)
    req.require("post.view", collab)
    posts = paginate(req.db, services.posts_query(collab), req.query_int("page", 1), 20)
    return req.render("plans/posts.html", {"collab": collab, "posts": posts})


@page("post.create")
def new_post(req: WebRequest):
    """M4: a Core member shares an update or a proposal with the DPL and Center staff."""
    collab = _collab(req)
    req.require("post.create", collab)
    form = {"kind": req.query("kind", "update"), "title": "", "body": ""}
    context = {"collab": collab, "form": form, "errors": {}, "kinds": [(k.value, k.value.capitalize()) for k in PostKind]}
    if req.method == "POST":
        try:
            data = req.parse(PostIn)
            post = services.create_post(req.db, req.actor, collab, **data.model_dump())
            noun = "proposal" if post.is_proposal else "update"
            return req.redirect(req.url_for("collaborative_posts", slug=collab.slug),
                                flash=f"Your {noun} is shared with the DPL and Center staff.")
        except DomainError as exc:
            context["form"] = {k: req.form.get(k, "") for k in form}
            context["errors"] = exc.field_messages()
            return req.render("plans/post_form.html", context, 422)
    return req.render("plans/post_form.html", context)


@page("proposal.answer")
def answer_proposal(req: WebRequest):
    """M4: the DPL accepts or declines a proposal, with a note."""
    post = req.get_or_404(Post, req.path_params["post_id"])
    context = {"post": post, "form": {"decision": "", "note": ""}, "errors": {}}
    if req.method == "POST":
        try:
            data = req.parse(AnswerIn)
            services.answer_proposal(req.db, req.actor, post, data.decision, data.note)
            return req.redirect(req.url_for("plans_inbox"), flash=f"You {data.decision} {post.title!r}.")
        except DomainError as exc:
            req.db.rollback()
            context.update(post=req.get_or_404(Post, post.id),
                           form={k: req.form.get(k, "") for k in ("decision", "note")}, errors=exc.field_messages())
            return req.render("plans/answer.html", context, 422)
    return req.render("plans/answer.html", context)


# --- panels on other pages ------------------------------------------------------------------------

def collaborative_plan_panel(req: WebRequest, collab: Collaborative) -> dict | None:
    """The plan's status and P5 badge on a collaborative's page."""
    if collab.status == "retired" or not req.can("plan.view", collab):
        return None
    standing = services.standings(req.db, [collab], _today(req), req.settings)[0]
    return {"template": "plans/_collaborative_panel.html", "standing": standing}


def home_plans_panel(req: WebRequest) -> dict | None:
    """The DPL's (and overseers') out-of-date plans and proposal inbox; a Core member's own plans."""
    actor = req.actor
    on = _today(req)
    overseer = actor.has(Role.DPL, Role.EXECUTIVE_DIRECTOR, Role.PDAC, Role.CENTER_STAFF)
    if not overseer and not actor.core_of:
        return None
    if overseer:
        standings = [s for s in services.all_standings(req.db, on, req.settings) if s.reasons]
    else:
        from sqlalchemy import select

        collabs = list(req.db.scalars(select(Collaborative).where(Collaborative.id.in_(actor.core_of))
                                      .order_by(Collaborative.name)))
        standings = services.standings(req.db, collabs, on, req.settings)
    # The proposal inbox is for those who oversee every Core (M4); a Core member's is /plans/inbox.
    return {"template": "plans/_home_panel.html", "standings": standings, "overseer": overseer,
            "proposals": services.open_proposals(req.db, limit=5) if overseer else [],
            "open_count": services.count_open_proposals(req.db) if overseer else 0}


routes = [
    Route("/plans", overview, name="plans"),
    Route("/plans/template", template_page, name="plan_template"),
    Route("/plans/template/edit", edit_template, methods=["GET", "POST"], name="edit_plan_template"),
    Route("/plans/inbox", inbox, name="plans_inbox"),
    Route("/plans/{plan_id:int}", plan_page, name="plan"),
    Route("/plans/{plan_id:int}/edit", edit_plan, methods=["GET", "POST"], name="edit_plan"),
    Route("/plans/{plan_id:int}/submit", submit_plan, methods=["POST"], name="submit_plan"),
    Route("/plans/{plan_id:int}/review", review_plan, methods=["POST"], name="review_plan"),
    Route("/plans/{plan_id:int}/revisions", revisions_page, name="plan_revisions"),
    Route("/plans/{plan_id:int}/revisions/{number:int}", revision_page, name="plan_revision"),
    Route("/plans/{plan_id:int}/compare", compare_page, name="compare_plan"),
    Route("/plans/{plan_id:int}/print", print_page, name="print_plan"),
    Route("/plans/{plan_id:int}/export.md", export_markdown, name="export_plan"),
    Route("/collaboratives/{slug:slug}/plan", collaborative_plan, name="collaborative_plan"),
    Route("/collaboratives/{slug:slug}/plans/new", new_plan, methods=["GET", "POST"], name="new_plan"),
    Route("/collaboratives/{slug:slug}/posts", collaborative_posts, name="collaborative_posts"),
    Route("/collaboratives/{slug:slug}/posts/new", new_post, methods=["GET", "POST"], name="new_post"),
    Route("/posts/{post_id:int}/answer", answer_proposal, methods=["GET", "POST"], name="answer_proposal"),
]
