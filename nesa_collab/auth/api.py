"""JSON API: who am I, API tokens, people."""

from __future__ import annotations

from starlette.routing import Route

from ..web import WebRequest, api, paginate
from . import services
from .models import Person
from .views import home_school_id, people_filters
from .schemas import MeOut, PersonIn, PersonOut, PersonUpdate, TokenCreated, TokenIn, TokenOut


def person_out(p: Person) -> PersonOut:
    return PersonOut(id=p.id, name=p.name, email=p.email, school=p.school,
                     roles=sorted(r.value for r in p.roles), time_zone=p.time_zone, is_active=p.is_active)


@api("signed_in", summary="Who the token belongs to, with the Cores and collaboratives they are in",
     response=MeOut, tag="people")
def me(req: WebRequest):
    a = req.actor
    return req.json(MeOut(person=person_out(a.person), core_of=sorted(a.core_of), member_of=sorted(a.member_of),
                          time_zone=req.viewer_zone))


@api("signed_in", summary="List your API tokens", response=TokenOut, many=True, tag="people")
def list_tokens(req: WebRequest):
    return req.json([TokenOut.model_validate(t) for t in services.tokens_of(req.db, req.actor, req.person)])


@api("signed_in", summary="Create an API token (the secret is returned once)", body=TokenIn,
     response=TokenCreated, status=201, tag="people")
def create_token(req: WebRequest):
    data = req.parse(TokenIn)
    token, secret = services.create_token(req.db, req.actor, req.person, data.name)
    req.db.flush()
    return req.json(TokenCreated.model_validate({**TokenOut.model_validate(token).model_dump(), "token": secret}))


@api("signed_in", summary="Revoke one of your API tokens", response=TokenOut, tag="people")
def revoke_token(req: WebRequest):
    token = services.revoke_token(req.db, req.actor, req.path_params["token_id"])
    return req.json(TokenOut.model_validate(token))


@api("person.view", summary="List people (staff only; emails are never public)", response=PersonOut, many=True,
     query=(("q", "string", "search names and emails"), ("role", "string", "only this role"),
            ("school", "string", "school slug"), ("country", "string", "the country of their school"),
            ("page", "integer", "page number (50 per page)")), tag="people")
def list_people(req: WebRequest):
    result = paginate(req.db, services.people_query(req.actor, **people_filters(req)), req.query_int("page", 1), 50)
    return req.json({"items": [person_out(p) for p in result.items], "page": result.number,
                     "per_page": result.per_page, "total": result.total, "pages": result.pages})


@api("person.view", summary="One person", response=PersonOut, tag="people")
def get_person(req: WebRequest):
    return req.json(person_out(services.get_person(req.db, req.actor, req.path_params["person_id"])))


@api("person.manage", summary="Add a person with roles (N3)", body=PersonIn, response=PersonOut, status=201,
     tag="people")
def create_person(req: WebRequest):
    data = req.parse(PersonIn)
    p = services.create_person(req.db, req.actor, name=data.name, email=data.email, school_id=home_school_id(req, data),
                               roles=services.parse_roles(data.roles), time_zone=data.time_zone,
                               settings=req.settings)
    return req.json(person_out(p))


@api("person.manage", summary="Change a person's details or roles", body=PersonUpdate, response=PersonOut,
     tag="people")
def update_person(req: WebRequest):
    p = services.get_person(req.db, req.actor, req.path_params["person_id"])
    data = req.parse(PersonUpdate)
    changes = data.model_dump(exclude_unset=True)
    if "roles" in changes:
        changes["roles"] = services.parse_roles(changes["roles"] or [])
    services.update_person(req.db, req.actor, p, today=req.today, **changes)
    return req.json(person_out(p))


routes = [
    Route("/me", me, name="api_me"),
    Route("/tokens", list_tokens, name="api_tokens"),
    Route("/tokens", create_token, methods=["POST"], name="api_create_token"),
    Route("/tokens/{token_id:int}", revoke_token, methods=["DELETE"], name="api_revoke_token"),
    Route("/people", list_people, name="api_people"),
    Route("/people", create_person, methods=["POST"], name="api_create_person"),
    Route("/people/{person_id:int}", get_person, name="api_person"),
    Route("/people/{person_id:int}", update_person, methods=["PATCH"], name="api_update_person"),
]
