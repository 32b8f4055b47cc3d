"""JSON API for plans (P1–P5), the template, revisions and their comparison, review, and the Core's
updates and proposals (M4)."""

from __future__ import annotations

from starlette.routing import Route

from ..errors import NotFound
from ..network import services as network
from ..network.models import Collaborative
from ..web import WebRequest, api, paginate
from . import posts, services, standings, template
from .diff import compare
from .models import Plan
from .schemas import (AnswerIn, ComparisonOut, DiffRowOut, PlanBrief, PlanContentIn, PlanCreateIn, PlanOut,
                      PostIn, PostOut, ReasonOut, ReviewIn, RevisionDetailOut, RevisionOut, SectionDiffOut,
                      StandingOut, TemplateIn, TemplateOut)

PAGE_Q = ("page", "integer", "page number")


def _collab(req: WebRequest) -> Collaborative:
    return network.get_collaborative(req.db, req.actor, req.path_params["slug"])


def _plan(req: WebRequest) -> Plan:
    return services.get_plan(req.db, req.actor, req.path_params["plan_id"])


def plan_out(req: WebRequest, plan: Plan) -> PlanOut:
    reasons = services.plan_reasons(req.db, req.actor, plan, req.today, req.settings)
    brief = PlanBrief.model_validate(plan).model_dump()
    return PlanOut(**brief, collaborative_slug=plan.collaborative.slug, template_version=plan.template.version,
                   review_comment=plan.review_comment, texts=plan.texts or {}, goals=plan.goals,
                   offerings=plan.offerings, milestones=plan.milestones, evidence=plan.evidence,
                   out_of_date=[ReasonOut.model_validate(r) for r in reasons])


@api("plan.view", summary="Every collaborative's current plan and why it is out of date (P5), those out of date "
                          "first, 25 a page", response=StandingOut, many=True,
     query=(("standing", "string", "out_of_date, up_to_date or no_plan"),
            ("status", "string", "the current plan's status: draft, submitted, accepted or returned"),
            ("q", "string", "words of the collaborative's name"), PAGE_Q), tag="plans")
def list_standings(req: WebRequest):
    filters = standings.Filters.of(req.query("status"), req.query("standing"), req.query("q"))
    shown = services.overview(req.db, req.actor, req.today, req.settings, filters, req.query_int("page", 1))
    shown.items = [StandingOut(collaborative_slug=s.collaborative.slug, collaborative_name=s.collaborative.name,
                               plan=PlanBrief.model_validate(s.plan) if s.plan else None,
                               out_of_date=[ReasonOut.model_validate(r) for r in s.reasons]) for s in shown.items]
    return req.page_json(shown, StandingOut)


@api("plan.view", summary="The current plan template (P2)", response=TemplateOut, tag="plans")
def get_template(req: WebRequest):
    t = template.current_template(req.db, req.actor)
    if t is None:
        raise NotFound()
    return req.json(TemplateOut.model_validate(t))


@api("template.manage", summary="Save a new version of the plan template (P2: DPL only)", body=TemplateIn,
     response=TemplateOut, status=201, tag="plans")
def save_template(req: WebRequest):
    data = req.parse(TemplateIn)
    t = template.save_template(req.db, req.actor, [s.model_dump() for s in data.sections], data.summary)
    req.db.flush()
    return req.json(TemplateOut.model_validate(t))


@api("plan.view", summary="A collaborative's plans, earliest first", response=PlanBrief, many=True, tag="plans")
def list_plans(req: WebRequest):
    return req.json([PlanBrief.model_validate(p) for p in services.plans_of(req.db, req.actor, _collab(req))])


@api("plan.edit", summary="Start a plan from the current template (P1, P2: Core members and the DPL)",
     body=PlanCreateIn, response=PlanOut, status=201, tag="plans")
def create_plan(req: WebRequest):
    collab = _collab(req)
    data = req.parse(PlanCreateIn)
    plan = services.create_plan(req.db, req.actor, collab, settings=req.settings, **data.model_dump())
    req.db.flush()
    return req.json(plan_out(req, plan))


@api("plan.view", summary="One plan, with its P5 reasons", response=PlanOut, tag="plans")
def get_plan(req: WebRequest):
    return req.json(plan_out(req, _plan(req)))


@api("plan.edit", summary="Save a new revision of a plan (P3; P4: not while submitted)", body=PlanContentIn,
     response=RevisionOut, status=201, tag="plans")
def save_plan(req: WebRequest):
    plan = _plan(req)
    data = req.parse(PlanContentIn)
    # Fields left out stay as they are (see PlanContentIn).
    rev = services.save_plan(req.db, req.actor, plan, data.to_content(), data.summary, req.today,
                             base_revision=data.base_revision)
    req.db.flush()
    return req.json(RevisionOut.model_validate(rev))


@api("plan.edit", summary="Submit a plan to the DPL for review (P4)", response=PlanOut, tag="plans")
def submit_plan(req: WebRequest):
    plan = _plan(req)
    services.submit_plan(req.db, req.actor, plan)
    return req.json(plan_out(req, plan))


@api("plan.review", summary="Accept a submitted plan (P4: DPL only)", body=ReviewIn, response=PlanOut, tag="plans")
def accept_plan(req: WebRequest):
    plan = _plan(req)
    data = req.parse(ReviewIn)
    services.accept_plan(req.db, req.actor, plan, data.comment)
    return req.json(plan_out(req, plan))


@api("plan.review", summary="Return a submitted plan with comments (P4: DPL only)", body=ReviewIn,
     response=PlanOut, tag="plans")
def return_plan(req: WebRequest):
    plan = _plan(req)
    data = req.parse(ReviewIn)
    services.return_plan(req.db, req.actor, plan, data.comment)
    return req.json(plan_out(req, plan))


@api("plan.view", summary="A plan's revisions, newest first (P3)", response=RevisionOut, many=True, tag="plans")
def list_revisions(req: WebRequest):
    return req.json([RevisionOut.model_validate(r) for r in services.revisions(req.db, req.actor, _plan(req))])


@api("plan.view", summary="One revision with its whole content (P3)", response=RevisionDetailOut, tag="plans")
def get_revision(req: WebRequest):
    rev = services.revision(req.db, req.actor, _plan(req), req.path_params["number"])
    return req.json(RevisionDetailOut.model_validate(rev))


@api("plan.view", summary="Compare two revisions section by section (P3)", response=ComparisonOut,
     query=(("old", "integer", "the earlier revision number"), ("new", "integer", "the later revision number")),
     tag="plans")
def compare_revisions(req: WebRequest):
    plan = _plan(req)
    old, new = services.revisions_to_compare(req.db, req.actor, plan, req.query("new"), req.query("old"))
    sections = [SectionDiffOut(key=s.key, title=s.title, changed=s.changed,
                               rows=[DiffRowOut(tag=r.tag, left=r.left, right=r.right) for r in s.rows])
                for s in compare(old.content, new.content)]
    return req.json(ComparisonOut(old=old.number, new=new.number, sections=sections))


@api("post.view", summary="Updates and proposals (M4): every collaborative's for the DPL, Executive Director, "
                          "PDAC and Center staff, a Core member's own Cores' otherwise; ?status=open lists the "
                          "open proposals, oldest first",
     response=PostOut, many=True,
     query=(("status", "string", "open, accepted or declined (proposals)"), ("kind", "string", "update or proposal"),
            PAGE_Q), tag="posts")
def list_posts(req: WebRequest):
    stmt = posts.listing_query(req.actor, kind=req.query("kind"), status=req.query("status"))
    result = paginate(req.db, stmt, req.query_int("page", 1), 50)
    return req.page_json(result, PostOut)


@api("post.view", summary="A collaborative's updates and proposals (M4)", response=PostOut, many=True,
     query=(PAGE_Q,), tag="posts")
def list_collaborative_posts(req: WebRequest):
    result = paginate(req.db, posts.posts_query(req.actor, _collab(req)), req.query_int("page", 1), 50)
    return req.page_json(result, PostOut)


@api("post.create", summary="Share an update or a proposal with the DPL and Center staff (M4: Core members)",
     body=PostIn, response=PostOut, status=201, tag="posts")
def create_post(req: WebRequest):
    collab = _collab(req)
    data = req.parse(PostIn)
    post = posts.create_post(req.db, req.actor, collab, **data.model_dump())
    req.db.flush()
    return req.json(PostOut.model_validate(post))


@api("proposal.answer", summary="Accept or decline a proposal with a note (M4: DPL only)", body=AnswerIn,
     response=PostOut, tag="posts")
def answer_proposal(req: WebRequest):
    post = posts.post_to_answer(req.db, req.actor, req.path_params["post_id"])
    data = req.parse(AnswerIn)
    posts.answer_proposal(req.db, req.actor, post, data.decision, data.note)
    return req.json(PostOut.model_validate(post))


routes = [
    Route("/plans", list_standings, name="api_plans"),
    Route("/plan-template", get_template, name="api_plan_template"),
    Route("/plan-template", save_template, methods=["PUT"], name="api_save_plan_template"),
    Route("/plans/{plan_id:int}", get_plan, name="api_plan"),
    Route("/plans/{plan_id:int}", save_plan, methods=["PUT"], name="api_save_plan"),
    Route("/plans/{plan_id:int}/submit", submit_plan, methods=["POST"], name="api_submit_plan"),
    Route("/plans/{plan_id:int}/accept", accept_plan, methods=["POST"], name="api_accept_plan"),
    Route("/plans/{plan_id:int}/return", return_plan, methods=["POST"], name="api_return_plan"),
    Route("/plans/{plan_id:int}/revisions", list_revisions, name="api_plan_revisions"),
    Route("/plans/{plan_id:int}/revisions/{number:int}", get_revision, name="api_plan_revision"),
    Route("/plans/{plan_id:int}/compare", compare_revisions, name="api_compare_plan"),
    Route("/collaboratives/{slug:slug}/plans", list_plans, name="api_collaborative_plans"),
    Route("/collaboratives/{slug:slug}/plans", create_plan, methods=["POST"], name="api_create_plan"),
    Route("/collaboratives/{slug:slug}/posts", list_collaborative_posts, name="api_collaborative_posts"),
    Route("/collaboratives/{slug:slug}/posts", create_post, methods=["POST"], name="api_create_post"),
    Route("/posts", list_posts, name="api_posts"),
    Route("/posts/{post_id:int}/answer", answer_proposal, methods=["POST"], name="api_answer_proposal"),
]
