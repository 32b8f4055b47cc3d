"""JSON API for schools, collaboratives, memberships, norms and interests."""

from __future__ import annotations

from starlette.routing import Route

from ..errors import NotFound
from ..web import Page, WebRequest, api, paginate
from . import services
from .schemas import (CollaborativeIn, CollaborativeOut, CollaborativeUpdate, ConvertIn, DeclineIn,
                      DirectoryEntryOut, InterestIn, InterestOut, LapseIn, LeaveIn, MembershipOut, NormsIn,
                      NormsOut, SchoolIn, SchoolOut, SchoolUpdate)
from .views import directory_filters

PAGE_Q = ("page", "integer", "page number (50 per page)")


def _collab(req: WebRequest):
    return services.get_collaborative(req.db, req.actor, req.path_params["slug"])


def _school(req: WebRequest):
    return services.get_school(req.db, req.actor, req.path_params["school"])


# --- collaboratives -------------------------------------------------------------------------------

@api("public", summary="The directory: active collaboratives with member counts and schools (K1)",
     response=DirectoryEntryOut, many=True, tag="collaboratives",
     query=(("q", "string", "search names and descriptions"), ("kind", "string", "discipline or responsibility"),
            ("status", "string", "active (default); DPL: forming, retired, all"),
            ("school", "string", "school slug: collaboratives with current members from that school"),
            ("country", "string", "collaboratives with current members from a school in that country"), PAGE_Q))
def list_collaboratives(req: WebRequest):
    result = paginate(req.db, services.directory_query(req.actor, **directory_filters(req)),
                      req.query_int("page", 1), 50)
    entries = services.directory_entries(req.db, result.items)
    return req.page_json(Page(entries, result.number, result.per_page, result.total), DirectoryEntryOut)


@api("public", summary="One collaborative", response=DirectoryEntryOut, tag="collaboratives")
def get_collaborative(req: WebRequest):
    return req.json(DirectoryEntryOut.model_validate(services.directory_entry(req.db, req.actor, _collab(req))))


@api("collaborative.manage", summary="Create a collaborative; it starts forming (K2: DPL only)",
     body=CollaborativeIn, response=CollaborativeOut, status=201, tag="collaboratives")
def create_collaborative(req: WebRequest):
    data = req.parse(CollaborativeIn)
    collab = services.create_collaborative(req.db, req.actor, **data.model_dump(), today=req.today)
    return req.json(CollaborativeOut.model_validate(collab))


@api("collaborative.manage", summary="Change a collaborative's name, kind, description or link",
     body=CollaborativeUpdate, response=CollaborativeOut, tag="collaboratives")
def update_collaborative(req: WebRequest):
    collab = _collab(req)
    data = req.parse(CollaborativeUpdate)
    services.update_collaborative(req.db, req.actor, collab, **data.model_dump(exclude_none=True))
    return req.json(CollaborativeOut.model_validate(collab))


def _change_status(req: WebRequest, action: str):
    collab = _collab(req)
    services.set_collaborative_status(req.db, req.actor, collab, action, req.today)
    return req.json(CollaborativeOut.model_validate(collab))


@api("collaborative.manage", summary="Activate a forming collaborative (K2: DPL only)", response=CollaborativeOut,
     tag="collaboratives")
def activate(req: WebRequest):
    return _change_status(req, "activate")


@api("collaborative.manage", summary="Retire a collaborative (K1, K2: DPL only)", response=CollaborativeOut,
     tag="collaboratives")
def retire(req: WebRequest):
    return _change_status(req, "retire")


@api("signed_in", summary="Current members of a collaborative", response=MembershipOut, many=True,
     query=(("q", "string", "search names"), PAGE_Q), tag="collaboratives")
def list_members(req: WebRequest):
    collab = _collab(req)
    result = paginate(req.db, services.members_query(req.actor, collab, req.query("q")),
                      req.query_int("page", 1), 50)
    return req.page_json(result, MembershipOut)


@api("membership.join", summary="Join a collaborative (K4: a two-year commitment)", response=MembershipOut,
     status=201, tag="collaboratives")
def join(req: WebRequest):
    collab = _collab(req)
    m = services.join(req.db, req.actor, req.person, collab, req.today)
    req.db.flush()
    return req.json(MembershipOut.model_validate(m))


@api("membership.leave", summary="Leave a collaborative (K4: a reason is required before two years)",
     body=LeaveIn, response=MembershipOut, tag="collaboratives")
def leave(req: WebRequest):
    m = services.membership_for_leaving(req.db, req.actor, _collab(req))
    data = req.parse(LeaveIn)
    services.leave(req.db, req.actor, m, req.today, data.reason)
    return req.json(MembershipOut.model_validate(m))


@api("signed_in", summary="The current norms and agreements (K3)", response=NormsOut, tag="collaboratives")
def get_norms(req: WebRequest):
    norms = services.current_norms(req.db, req.actor, _collab(req))
    if norms is None:
        raise NotFound()
    return req.json(NormsOut.model_validate(norms))


@api("signed_in", summary="Every version of the norms, newest first (K3)", response=NormsOut, many=True,
     tag="collaboratives")
def norms_history(req: WebRequest):
    return req.json([NormsOut.model_validate(n) for n in services.norms_history(req.db, req.actor, _collab(req))])


@api("norms.edit", summary="Record a new version of the norms (K3: Core members and the DPL)", body=NormsIn,
     response=NormsOut, status=201, tag="collaboratives")
def update_norms(req: WebRequest):
    collab = _collab(req)
    data = req.parse(NormsIn)
    rev = services.update_norms(req.db, req.actor, collab, data.text, data.summary)
    req.db.flush()
    return req.json(NormsOut.model_validate(rev))


# --- interests --------------------------------------------------------------------------------------

@api("interest.view", summary="Interests in new collaboratives (K2)", response=InterestOut, many=True,
     query=(("status", "string", "open (default), accepted, declined or all"),
            ("kind", "string", "discipline or responsibility"), PAGE_Q), tag="interests")
def list_interests(req: WebRequest):
    status = req.query("status", "open")
    stmt = services.interests_query(req.actor, None if status == "all" else status, req.query("kind"))
    result = paginate(req.db, services.interest_lines(stmt), req.query_int("page", 1), 50, scalars=False)
    result.items = services.as_interest_lines(result.items)
    return req.page_json(result, InterestOut)


@api("interest.register", summary="Register interest in a new collaborative (K2)", body=InterestIn,
     response=InterestOut, status=201, tag="interests")
def register_interest(req: WebRequest):
    data = req.parse(InterestIn)
    interest = services.register_interest(req.db, req.actor, **data.model_dump())
    req.db.flush()
    req.db.refresh(interest)
    return req.json(InterestOut.model_validate(interest))


def _interest(req: WebRequest):
    return services.get_interest(req.db, req.actor, req.path_params["interest_id"])


@api("interest.register", summary="Add your name to an interest", response=InterestOut, tag="interests")
def support_interest(req: WebRequest):
    interest = _interest(req)
    services.support_interest(req.db, req.actor, interest)
    return req.json(InterestOut.model_validate(interest))


@api("interest.convert", summary="Turn an interest into a forming collaborative (K2: DPL only)", body=ConvertIn,
     response=CollaborativeOut, status=201, tag="interests")
def convert_interest(req: WebRequest):
    interest = _interest(req)
    data = req.parse(ConvertIn)
    collab = services.convert_interest(req.db, req.actor, interest, today=req.today, **data.model_dump())
    return req.json(CollaborativeOut.model_validate(collab))


@api("interest.convert", summary="Decline an interest with a note (DPL only)", body=DeclineIn,
     response=InterestOut, tag="interests")
def decline_interest(req: WebRequest):
    interest = _interest(req)
    data = req.parse(DeclineIn)
    services.decline_interest(req.db, req.actor, interest, data.note)
    return req.json(InterestOut.model_validate(interest))


# --- schools -----------------------------------------------------------------------------------------

@api("school.view", summary="Member schools (N1)", response=SchoolOut, many=True,
     query=(("q", "string", "search name, city, country, slug"), ("status", "string", "active or lapsed"),
            ("country", "string", "only this country"), PAGE_Q),
     tag="schools")
def list_schools(req: WebRequest):
    result = paginate(req.db, services.schools_query(req.actor, req.query("q"), req.query("status"),
                                                     req.query("country")), req.query_int("page", 1), 50)
    return req.page_json(result, SchoolOut)


@api("school.view", summary="One school", response=SchoolOut, tag="schools")
def get_school(req: WebRequest):
    return req.json(SchoolOut.model_validate(_school(req)))


@api("school.manage", summary="Add a member school (N1)", body=SchoolIn, response=SchoolOut, status=201,
     tag="schools")
def create_school(req: WebRequest):
    data = req.parse(SchoolIn)
    school = services.create_school(req.db, req.actor, **data.model_dump())
    req.db.flush()
    return req.json(SchoolOut.model_validate(school))


@api("school.manage", summary="Change a school", body=SchoolUpdate, response=SchoolOut, tag="schools")
def update_school(req: WebRequest):
    school = _school(req)
    data = req.parse(SchoolUpdate)
    services.update_school(req.db, req.actor, school, **data.model_dump(exclude_none=True))
    return req.json(SchoolOut.model_validate(school))


@api("school.manage", summary="Lapse a school's membership (N2)", body=LapseIn, response=SchoolOut, tag="schools")
def lapse_school(req: WebRequest):
    school = _school(req)
    data = req.parse(LapseIn)
    services.lapse_school(req.db, req.actor, school, data.lapsed_on)
    return req.json(SchoolOut.model_validate(school))


@api("school.manage", summary="Reinstate a lapsed school", response=SchoolOut, tag="schools")
def reinstate_school(req: WebRequest):
    school = _school(req)
    services.reinstate_school(req.db, req.actor, school)
    return req.json(SchoolOut.model_validate(school))


routes = [
    Route("/collaboratives", list_collaboratives, name="api_collaboratives"),
    Route("/collaboratives", create_collaborative, methods=["POST"], name="api_create_collaborative"),
    Route("/collaboratives/{slug:slug}", get_collaborative, name="api_collaborative"),
    Route("/collaboratives/{slug:slug}", update_collaborative, methods=["PATCH"], name="api_update_collaborative"),
    Route("/collaboratives/{slug:slug}/members", list_members, name="api_members"),
    Route("/collaboratives/{slug:slug}/membership", join, methods=["POST"], name="api_join"),
    Route("/collaboratives/{slug:slug}/membership/leave", leave, methods=["POST"], name="api_leave"),
    Route("/collaboratives/{slug:slug}/norms", get_norms, name="api_norms"),
    Route("/collaboratives/{slug:slug}/norms", update_norms, methods=["PUT"], name="api_update_norms"),
    Route("/collaboratives/{slug:slug}/norms/history", norms_history, name="api_norms_history"),
    Route("/collaboratives/{slug:slug}/activate", activate, methods=["POST"], name="api_activate"),
    Route("/collaboratives/{slug:slug}/retire", retire, methods=["POST"], name="api_retire"),
    Route("/interests", list_interests, name="api_interests"),
    Route("/interests", register_interest, methods=["POST"], name="api_register_interest"),
    Route("/interests/{interest_id:int}/support", support_interest, methods=["POST"], name="api_support_interest"),
    Route("/interests/{interest_id:int}/convert", convert_interest, methods=["POST"], name="api_convert_interest"),
    Route("/interests/{interest_id:int}/decline", decline_interest, methods=["POST"], name="api_decline_interest"),
    Route("/schools", list_schools, name="api_schools"),
    Route("/schools", create_school, methods=["POST"], name="api_create_school"),
    Route("/schools/{school:slug}", get_school, name="api_school"),
    Route("/schools/{school:slug}", update_school, methods=["PATCH"], name="api_update_school"),
    Route("/schools/{school:slug}/lapse", lapse_school, methods=["POST"], name="api_lapse_school"),
    Route("/schools/{school:slug}/reinstate", reinstate_school, methods=["POST"], name="api_reinstate_school"),
]
