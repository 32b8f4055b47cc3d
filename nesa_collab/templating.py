"""The Jinja2 environment: filters for times in the viewer's zone, dates and pagination links."""

from __future__ import annotations

import functools
from datetime import date, datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from starlette.templating import Jinja2Templates

from .clock import now_utc
from .markdown import render as markdown
from .paths import TEMPLATES_DIR
from .rulebook import link_rules, split_rule
from .web import page_url, path_for


def local_dt(value: datetime | None, zone: str, fmt: str = "%a %-d %b %Y, %H:%M") -> str:
    """M6: an instant shown in ``zone`` (the viewer's), e.g. "Tue 25 Mar 2027, 09:00"."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).strftime(fmt)


def fmt_date(value: date | None, fmt: str = "%d %b %Y") -> str:
    return value.strftime(fmt).lstrip("0") if value else ""


def zone_label(zone: str, at: datetime | None = None) -> str:
    """"Asia/Kolkata (UTC+05:30)"."""
    at = at or now_utc()
    offset = at.astimezone(ZoneInfo(zone)).strftime("%z")
    return f"{zone} (UTC{offset[:3]}:{offset[3:]})"


@pass_context
def url_for(context, name: str, /, **params) -> str:
    """The path of a named route (Starlette's ``url_for`` builds an absolute URL by walking the route
    table: too dear for a long list's links)."""
    return path_for(context["request"], name, **params)


@functools.cache
def make_templates() -> Jinja2Templates:
    """The Jinja2 environment (one per process: compiled templates are shared by every app)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local_dt"] = local_dt
    env.filters["date"] = fmt_date
    env.filters["zone_label"] = zone_label
    env.globals["page_url"] = page_url
    env.globals["url_for"] = url_for
    env.filters["link_rules"] = link_rules
    env.filters["split_rule"] = split_rule
    env.filters["markdown"] = markdown
    return Jinja2Templates(env=env)
