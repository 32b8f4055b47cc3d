"""JSON API for the audit log (A1): read-only, DPL only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from starlette.routing import Route

from ..web import WebRequest, api
from .views import keyset, keyset_url


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    actor_id: int | None
    action: str
    subject_type: str
    subject_id: int | None
    collaborative_id: int | None
    summary: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@api("audit.view", summary="The audit log, newest first, 50 entries a page by keyset: follow `next` (A1)",
     response=AuditEntryOut, many=True, tag="audit",
     query=(("person", "string", "the actor: a person's id or email"),
            ("collaborative", "string", "a collaborative's id or slug"),
            ("from", "string", "first day, YYYY-MM-DD"), ("to", "string", "last day, YYYY-MM-DD"),
            ("action", "string", "action prefix, e.g. collaborative."),
            ("before", "integer", "entries older than this id (the `next` link gives it)"),
            ("after", "integer", "entries newer than this id (the `previous` link gives it)")))
def list_audit(req: WebRequest):
    result = keyset(req, 50)
    return req.json({
        "items": [AuditEntryOut.model_validate(e) for e in result.items], "per_page": result.per_page,
        "next": keyset_url(req, before=result.older) if result.older else None,
        "previous": keyset_url(req, after=result.newer) if result.newer else None,
    })


routes = [Route("/audit", list_audit, name="api_audit")]
