"""The OpenAPI 3.1 document, built from the route table (so no endpoint goes undocumented), and a
server-rendered page that presents it."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.routing import Mount, Route

from .. import __version__
from ..permissions import can
from ..web import UNSAFE_METHODS, WebRequest, api, page

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details, with the DOMAIN.md rule that refused the request.",
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "rule": {"type": "string", "examples": ["C2"]},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "message": {"type": "string"}, "rule": {"type": ["string", "null"]}}}},
    },
    "required": ["type", "title", "status"],
}


#: Query parameters that name a row (by slug, id or email): one that names nothing answers 404.
NAMING_QUERY = frozenset({"collaborative", "school", "conference", "person", "occurrence", "meeting"})

#: The answers an operation may give besides its success, and when (issue 13: the document lists
#: every status an operation can answer). 429 is not among them: no API operation is throttled.
ERRORS = {
    "400": "The body is not valid JSON",
    "401": "No valid bearer token (none where one is needed, or one that is unknown, revoked or expired)",
    "403": "Your roles do not allow this (or a cookie-authenticated write without X-CSRF-Token)",
    "404": "Not found (or not shown to you)",
    "409": "Someone else changed the same thing at the same moment (the database refused it); retry",
    "415": "The body is not of the media type the operation takes",
    "422": "Refused by a rule or invalid input (the problem names the rule and the fields)",
}


def _error_statuses(method: str, meta, template: str, query_names: list[str]) -> list[str]:
    """The error statuses of one operation, from what the web boundary does for it (web._endpoint)."""
    statuses = {"401"}  # any operation refuses a bearer token it does not know
    write = method in UNSAFE_METHODS
    if meta.permission != "public" or write:
        statuses.add("403")
    if "{" in template or NAMING_QUERY.intersection(query_names):
        statuses.add("404")
    if meta.body is not None:
        statuses.add("400")
    if write:
        statuses.update({"409", "415"})
    if write or meta.body is not None or "{" in template or query_names:
        statuses.add("422")
    return sorted(statuses)


def _security(permission: str) -> list[dict[str, list]]:
    """Optional authentication where the route lets visitors in (a published meeting is read by
    anyone: M2), else a bearer token."""
    return [{}, {"bearer": []}] if can(None, permission) else [{"bearer": []}]


def _query_schema(name: str, kind: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": kind}
    if kind == "integer" and name in ("page", "before", "after"):
        schema["minimum"] = 1  # web.WebRequest.query_int refuses anything else with 422
    return schema


def api_endpoints(routes, prefix: str = ""):
    """(path, method, endpoint) for every API route, walking mounts."""
    for route in routes:
        if isinstance(route, Mount):
            yield from api_endpoints(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            meta = getattr(route.endpoint, "meta", None)
            if meta is not None and meta.api:
                for method in sorted(route.methods - {"HEAD"}):
                    yield prefix + route.path, method, route


def _path_template(path: str) -> tuple[str, list[dict[str, Any]]]:
    params = []

    def repl(m: re.Match) -> str:
        name, _, conv = m.group(1).partition(":")
        params.append({"name": name, "in": "path", "required": True,
                       "schema": {"type": "integer" if conv == "int" else "string"}})
        return "{" + name + "}"

    return re.sub(r"{([^}]+)}", repl, path), params


def build_openapi(app_routes, base_url: str) -> dict[str, Any]:
    endpoints = list(api_endpoints(app_routes))
    models: set[type[BaseModel]] = set()
    for _, _, route in endpoints:
        meta = route.endpoint.meta
        models.update(m for m in (meta.body, meta.response) if m is not None)
    _, defs = models_json_schema([(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
                                 ref_template="#/components/schemas/{model}")
    schemas = dict(defs.get("$defs", {}))
    schemas["Problem"] = PROBLEM_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    problem_ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, method, route in endpoints:
        meta = route.endpoint.meta
        template, params = _path_template(path)
        params += [{"name": n, "in": "query", "required": False, "schema": _query_schema(n, t), "description": d}
                   for n, t, d in meta.query]
        if method != "GET" and meta.permission != "public" and not meta.own_transactions:
            params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                           "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                           "description": "a key of your choosing (e.g. a UUID): sending the same write again "
                                          "with it within a day answers the first answer (with "
                                          "`Idempotent-Replayed: true`) instead of writing twice"})
        op: dict[str, Any] = {
            "operationId": route.name,
            "summary": meta.summary or route.name,
            "tags": [meta.tag] if meta.tag else [],
            "parameters": params,
            "x-permission": meta.permission,
            "responses": {},
            "security": _security(meta.permission),
        }
        if meta.body is not None and meta.upload:
            # The fields of ``body`` and the file, as parts of one multipart/form-data body.
            op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {"allOf": [
                {"$ref": f"#/components/schemas/{meta.body.__name__}"},
                {"type": "object", "required": [meta.upload], "properties": {meta.upload: {
                    "type": "string", "contentMediaType": "application/octet-stream",
                    "description": "the file itself"}}}]}}}}
        elif meta.body is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{meta.body.__name__}"}}}}
        if meta.response is not None:
            item = {"$ref": f"#/components/schemas/{meta.response.__name__}"}
            names = {q[0] for q in meta.query}
            if meta.many and "page" in names:
                schema = {"type": "object", "properties": {"items": {"type": "array", "items": item},
                                                           "page": {"type": "integer"},
                                                           "per_page": {"type": "integer"},
                                                           "total": {"type": "integer"},
                                                           "pages": {"type": "integer"}}}
            elif meta.many and "before" in names:
                # A keyset page (the audit log, A1): links to the older and newer entries.
                link = {"type": ["string", "null"]}
                schema = {"type": "object", "required": ["items", "per_page", "next", "previous"],
                          "properties": {"items": {"type": "array", "items": item}, "per_page": {"type": "integer"},
                                         "next": link, "previous": link}}
            elif meta.many:
                schema = {"type": "array", "items": item}
            else:
                schema = item
            op["responses"][str(meta.status)] = {"description": "OK",
                                                 "content": {"application/json": {"schema": schema}}}
        else:
            op["responses"][str(meta.status)] = {"description": "OK"}
        for status in _error_statuses(method, meta, template, [q[0] for q in meta.query]):
            op["responses"][status] = {"description": ERRORS[status], "content": problem_ref}
        if "requestBody" in op:
            # Refused by the body-size limit before the app sees the request (so not a problem document).
            op["responses"]["413"] = {"description": "The body is larger than the server takes (a receipt of "
                                                     "NESA_RECEIPT_MAX_BYTES and its form)",
                                      "content": {"text/plain": {"schema": {"type": "string"}}}}
        paths.setdefault(template, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "nesa-collab API", "version": __version__,
                 "description": "The JSON API of nesa-collab. Authenticate with `Authorization: Bearer <token>` "
                                "(create tokens on your profile page or with `nesa-collab tokens create`). "
                                "Errors are RFC 9457 problem documents that name the rule (DOMAIN.md) that "
                                "refused the request. Lists are paginated (`?page=`)."},
        "servers": [{"url": base_url.rstrip("/") + "/api/v1"}],
        "paths": {p.removeprefix("/api/v1") or "/": ops for p, ops in sorted(paths.items())},
        "components": {"schemas": schemas,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


def document(req: WebRequest) -> dict[str, Any]:
    """The app's OpenAPI document, built once per app (the route table does not change)."""
    state = req.request.app.state
    if getattr(state, "openapi", None) is None:
        state.openapi = build_openapi(req.request.app.routes, req.settings.base_url)
    return state.openapi


@api("public", summary="This document", tag="meta")
def openapi_json(req: WebRequest):
    return req.json(document(req))


@page("public")
def docs(req: WebRequest):
    """Browsable API documentation, rendered on the server (works without JavaScript)."""
    return req.render("api/docs.html", {"doc": document(req)})


routes = [
    Route("/openapi.json", openapi_json, name="openapi"),
    Route("/docs", docs, name="api_docs"),
]
