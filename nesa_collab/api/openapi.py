"""The OpenAPI 3.1 document, built from the route table (so no endpoint goes undocumented), and a
server-rendered page that presents it."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.routing import Mount, Route

from .. import __version__
from ..web import WebRequest, api, page

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
        params += [{"name": n, "in": "query", "required": False, "schema": {"type": t}, "description": d}
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
        }
        if meta.permission != "public":
            op["security"] = [{"bearer": []}]
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
            if meta.many:
                schema = {"type": "object", "properties": {"items": {"type": "array", "items": item},
                                                           "page": {"type": "integer"},
                                                           "per_page": {"type": "integer"},
                                                           "total": {"type": "integer"},
                                                           "pages": {"type": "integer"}}}
                if not any(q[0] == "page" for q in meta.query):
                    schema = {"type": "array", "items": item}
            else:
                schema = item
            op["responses"][str(meta.status)] = {"description": "OK",
                                                 "content": {"application/json": {"schema": schema}}}
        else:
            op["responses"][str(meta.status)] = {"description": "OK"}
        if meta.permission != "public":
            op["responses"]["401"] = {"description": "No valid bearer token", "content": problem_ref}
            op["responses"]["403"] = {"description": "Your roles do not allow this", "content": problem_ref}
        if "{" in template:
            op["responses"]["404"] = {"description": "Not found", "content": problem_ref}
        if meta.body is not None or method != "GET":
            op["responses"]["422"] = {"description": "Refused by a rule or invalid input", "content": problem_ref}
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
