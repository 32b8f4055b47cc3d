"""JSON API for the audit log (A1): read-only, DPL only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from starlette.routing import Route

from ..web import WebRequest, api, paginate
from .services import entries_query
from .views import audit_filters


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


@api("audit.view", summary="The audit log, newest first (A1)", response=AuditEntryOut, many=True, tag="audit",
     query=(("person", "integer", "actor id"), ("collaborative", "integer", "collaborative id"),
            ("from", "string", "first day, YYYY-MM-DD"), ("to", "string", "last day, YYYY-MM-DD"),
            ("action", "string", "action prefix, e.g. collaborative."), ("page", "integer", "page number")))
def list_audit(req: WebRequest):
    result = paginate(req.db, entries_query(req.actor, **audit_filters(req)), req.query_int("page", 1), 50)
    return req.page_json(result, AuditEntryOut)


routes = [Route("/audit", list_audit, name="api_audit")]
