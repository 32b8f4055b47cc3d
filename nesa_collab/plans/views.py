"""Pages: the plans overview, a collaborative's plan (with its P5 badge), starting and revising a plan,
revisions and their comparison, review, print and Markdown export, the template, and the Core's
updates and proposals with the DPL's inbox (M4)."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from ..errors import DomainError
from ..markdown import markdown_source
from ..network import services as network
from ..network.models import Collaborative
from ..web import Waiting, WebRequest, form_page, page, paginate
from . import forms, posts, services, standings, template
from .diff import compare, section_lines
from .models import OfferingKind, Plan, PlanStatus, PostKind, SectionKind
from .schemas import AnswerIn, PlanContentIn, PlanCreateIn, PostIn, ReviewForm, TemplateIn


def _collab(req: WebRequest) -> Collaborative:
    return network.get_collaborative(req.db, req.actor, req.path_params["slug"])


def _plan(req: WebRequest) -> Plan:
    return services.get_plan(req.db, req.actor, req.path_params["plan_id"])


# --- reading --------------------------------------------------------------------------------------

def _filters(req: WebRequest) -> standings.Filters:
    return standings.Filters.of(req.query("status"), req.query("standing"), req.query("q"))


@page("plan.view")
def overview(req: WebRequest):
    """P5: the collaboratives' current plans with the P5 badge and its reasons, those out of date
    first, 25 a page, filtered by standing, status and name."""
    filters = _filters(req)
    shown = services.overview(req.db, req.actor, req.today, req.settings, filters, req.query_int("page", 1))
    return req.render("plans/overview.html", {
        "standings": shown, "filters": filters, "today": req.today,
        "choices": list(standings.STANDINGS.items()), "statuses": [(s.value, s.value) for s in PlanStatus]})


def _plan_context(req: WebRequest, plan: Plan) -> dict[str, Any]:
    shown = services.plan_page(req.db, req.actor, plan, req.today, req.settings)
    return {"plan": plan, "collab": plan.collaborative, "today": req.today, "is_current": shown.is_current,
            "reasons": shown.reasons, "others": shown.others, "revisions": shown.revisions,
            "reviews": shown.reviews, "last_comment": shown.last_comment, "errors": {}, "form": {"comment": ""}}


@page("plan.view")
def collaborative_plan(req: WebRequest):
    """P1: a collaborative's current plan (or why it has none)."""
    collab = _collab(req)
    standing = services.collaborative_plan(req.db, req.actor, collab, req.today, req.settings)
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
    return req.render("plans/print.html", {"plan": plan, "collab": plan.collaborative, "today": req.today})


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
    """The plan as a Markdown document, rendered from a template: plain fields go through ``md_text``
    (shown as typed); the text sections, written in Markdown, through ``markdown_source`` (kept as
    Markdown, raw HTML shown as text, as on the pages)."""
    env = req.request.app.state.templates.env
    return env.get_template("plans/plan.md").render(plan=plan, collab=plan.collaborative, today=req.today,
                                                    settings=req.settings, md=md_text, md_cell=md_cell,
                                                    section=markdown_source)


@page("plan.view")
def export_markdown(req: WebRequest):
    plan = _plan(req)
    name = re.sub(r"[^a-z0-9]+", "-", f"{plan.collaborative.slug} plan {plan.years_label}".lower()).strip("-")
    return Response(markdown_of(req, plan), media_type="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.md"'})


@page("plan.view")
def revisions_page(req: WebRequest):
    plan = _plan(req)
    revs = services.revisions(req.db, req.actor, plan)
    return req.render("plans/revisions.html", {"plan": plan, "collab": plan.collaborative, "revisions": revs})


@page("plan.view")
def revision_page(req: WebRequest):
    plan = _plan(req)
    rev = services.revision(req.db, req.actor, plan, req.path_params["number"])
    previous = rev.number - 1 if rev.number > 1 else None
    return req.render("plans/revision.html", {"plan": plan, "collab": plan.collaborative, "rev": rev,
                                              "previous": previous, "sections": section_lines(rev.content)})


@page("plan.view")
def compare_page(req: WebRequest):
    """P3: two revisions side by side, with the changes highlighted."""
    plan = _plan(req)
    old, new = services.revisions_to_compare(req.db, req.actor, plan, req.query("new"), req.query("old"))
    sections = compare(old.content, new.content)
    return req.render("plans/compare.html", {"plan": plan, "collab": plan.collaborative, "old": old, "new": new,
                                             "sections": sections,
                                             "revisions": services.revisions(req.db, req.actor, plan)})


# --- starting and revising ------------------------------------------------------------------------

@page("plan.edit")
def new_plan(req: WebRequest):
    """P1/P2: start a plan from the current template, covering at least two school years."""
    collab = _collab(req)
    start = services.new_plan(req.db, req.actor, collab, req.today, req.settings)

    def submit():
        data = req.parse(PlanCreateIn)
        plan = services.create_plan(req.db, req.actor, collab, settings=req.settings, **data.model_dump())
        return req.redirect(req.url_for("plan", plan_id=plan.id), flash="The plan is started as a draft.")

    return form_page(req, "plans/new.html", submit=submit,
                     form={"title": start.title, "first_year": start.first_year, "last_year": start.last_year},
                     context={"collab": collab, "template": start.template,
                              "years": forms.year_choices(start.current_year, req.settings.school_year_start_month)})


@page("plan.edit")
def edit_plan(req: WebRequest):
    """P3/P4: revise the plan (Core members of the collaborative and the DPL); each save is a revision."""
    plan = _plan(req)
    editing = services.plan_for_editing(req.db, req.actor, plan, req.today)
    if req.method != "POST" and not plan.is_editable:
        # P4: nothing to fill in while the DPL reviews; say so instead of a form that would fail.
        # (A form posted meanwhile still reaches the service and is shown again with the P4 error.)
        return req.redirect(req.url_for("plan", plan_id=plan.id), flash=f"P4: {services.UNDER_REVIEW}.")
    if req.method == "POST":
        shown = forms.posted_plan_form(req.form, plan)
    else:
        shown = forms.form_from_plan(plan, editing.latest)

    def submit():
        content, indices = forms.content_from_form(shown)
        try:
            data = req.parse(PlanContentIn, **content)
            rev = services.save_plan(req.db, req.actor, plan, data.to_content(), data.summary, req.today,
                                     base_revision=data.base_revision)
        except DomainError as exc:
            raise forms.remap(exc, indices) from None
        return req.redirect(req.url_for("plan", plan_id=plan.id), flash=f"Saved as revision {rev.number}.")

    def context() -> dict[str, Any]:
        # After a refusal, the latest revision again: if someone saved meanwhile (P3), the page links
        # to their changes and the form starts from their revision, so saving again is deliberate.
        again = services.plan_for_editing(req.db, req.actor, plan, req.today)
        return {"plan": plan, "collab": plan.collaborative, "core": again.core, "latest": again.latest,
                "offering_kinds": list(OfferingKind), "today": req.today}

    return form_page(req, "plans/edit.html", form=shown, submit=submit, context=context)


@page("plan.edit")
def submit_plan(req: WebRequest):
    """P4: send the plan to the DPL for review (refused: the plan's page again, with the reason)."""
    plan = _plan(req)

    def submit():
        services.submit_plan(req.db, req.actor, plan)
        return req.redirect(req.url_for("plan", plan_id=plan.id), flash="The plan is submitted to the DPL for review.")

    return form_page(req, "plans/plan.html", form={"comment": ""}, submit=submit,
                     context=lambda: _plan_context(req, plan))


@page("plan.review")
def review_plan(req: WebRequest):
    """P4: the DPL accepts a submitted plan, or returns it with comments (refused: the plan's page
    again, with the comment as typed)."""
    plan = _plan(req)

    def submit():
        data = req.parse(ReviewForm)
        services.review_plan(req.db, req.actor, plan, data.decision, data.comment)
        message = ("The plan is accepted." if plan.status == PlanStatus.ACCEPTED
                   else "The plan is returned to the Core with your comments.")
        return req.redirect(req.url_for("plan", plan_id=plan.id), flash=message)

    return form_page(req, "plans/plan.html", form={"comment": ""}, submit=submit,
                     context=lambda: _plan_context(req, plan))


# --- the template (P2) ----------------------------------------------------------------------------

@page("plan.view")
def template_page(req: WebRequest):
    versions = template.template_versions(req.db, req.actor)
    return req.render("plans/template.html", {"template": versions[0] if versions else None,
                                              "versions": versions})


@page("template.manage")
def edit_template(req: WebRequest):
    """P2: the DPL edits the template; saving makes a new version (plans keep theirs)."""
    current = template.template_for_editing(req.db, req.actor)
    shown = forms.posted_template_form(req.form) if req.method == "POST" else forms.form_from_template(current)

    def submit():
        data, indices = forms.template_from_form(shown)
        try:
            parsed = req.parse(TemplateIn, **data)
            saved = template.save_template(req.db, req.actor, [s.model_dump() for s in parsed.sections],
                                           parsed.summary)
        except DomainError as exc:
            raise forms.remap(exc, indices) from None
        return req.redirect(req.url_for("plan_template"), flash=f"Saved template version {saved.version}.")

    return form_page(req, "plans/template_edit.html", form=shown, submit=submit,
                     context={"kinds": [(k.value, k.label) for k in SectionKind], "current": current})


# --- updates and proposals (M4) -------------------------------------------------------------------

@page("post.view")
def inbox(req: WebRequest):
    """M4: open proposals, oldest first, then the latest updates and answered proposals."""
    proposals = posts.open_proposals(req.db, req.actor)
    recent = paginate(req.db, posts.posts_query(req.actor), req.query_int("page", 1), 20)
    return req.render("plans/inbox.html", {"proposals": proposals, "recent": recent})


@page("post.view")
def collaborative_posts(req: WebRequest):
    """M4: a collaborative's updates and proposals, for its Core and those who oversee every Core."""
    collab = _collab(req)
    shown = paginate(req.db, posts.posts_query(req.actor, collab), req.query_int("page", 1), 20)
    return req.render("plans/posts.html", {"collab": collab, "posts": shown})


@page("post.create")
def new_post(req: WebRequest):
    """M4: a Core member shares an update or a proposal with the DPL and Center staff."""
    collab = _collab(req)
    form = posts.new_post_form(req.actor, collab, req.query("kind"))

    def submit():
        data = req.parse(PostIn)
        post = posts.create_post(req.db, req.actor, collab, **data.model_dump())
        noun = "proposal" if post.is_proposal else "update"
        return req.redirect(req.url_for("collaborative_posts", slug=collab.slug),
                            flash=f"Your {noun} is shared with the DPL and Center staff.")

    return form_page(req, "plans/post_form.html", form=form, submit=submit,
                     context={"collab": collab, "kinds": [(k.value, k.value.capitalize()) for k in PostKind]})


@page("proposal.answer")
def answer_proposal(req: WebRequest):
    """M4: the DPL accepts or declines a proposal, with a note."""
    post = posts.post_to_answer(req.db, req.actor, req.path_params["post_id"])

    def submit():
        data = req.parse(AnswerIn)
        posts.answer_proposal(req.db, req.actor, post, data.decision, data.note)
        return req.redirect(req.url_for("plans_inbox"), flash=f"You {data.decision} {post.title!r}.")

    return form_page(req, "plans/answer.html", form={"decision": "", "note": ""}, submit=submit,
                     context={"post": post})


# --- panels on other pages ------------------------------------------------------------------------

def collaborative_plan_panel(req: WebRequest, collab: Collaborative) -> dict | None:
    """The plan's status and P5 badge on a collaborative's page."""
    standing = services.plan_panel(req.db, req.actor, collab, req.today, req.settings)
    if standing is None:
        return None
    return {"template": "plans/_collaborative_panel.html", "standing": standing}


def home_plans_panel(req: WebRequest) -> dict | None:
    """For those who oversee every Core: how many plans are out of date and await review, the first
    few out of date (linking to the list), and the proposal inbox; a Core member's own plans."""
    shown = services.home_panel(req.db, req.actor, req.today, req.settings)
    if shown is None:
        return None
    return {"template": "plans/_home_panel.html", "overseer": shown.overseer, "standings": shown.standings,
            "proposals": shown.proposals, "open_count": shown.open_count, "out_of_date": shown.out_of_date,
            "awaiting_review": shown.awaiting_review}


def waiting_for_you(req: WebRequest) -> list[Waiting]:
    """P4, M4: the plans to review and the proposals to answer (the DPL); a returned plan (its Core)."""
    w = services.waiting(req.db, req.actor)
    tz = req.settings.tz
    out = [Waiting(f"Review the {p.collaborative.name}'s plan ({p.years_label}), submitted "
                   f"{at.astimezone(tz):%-d %b %Y}", req.url_for("plan", plan_id=p.id), "P4", at.astimezone(tz).date())
           for p, at in w.to_review]
    if w.open_proposals:
        since = w.oldest_proposal.astimezone(tz).date()
        out.append(Waiting(f"Answer {w.open_proposals} open proposal{'s' if w.open_proposals > 1 else ''} from the "
                           f"Cores (the oldest since {since:%-d %b %Y})", req.url_for("plans_inbox"), "M4", since))
    out += [Waiting(f"The DPL returned the {p.collaborative.name}'s plan with comments: revise it and submit it again",
                    req.url_for("plan", plan_id=p.id), "P4") for p in w.returned]
    return out


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
