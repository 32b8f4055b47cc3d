"""The web boundary: one decorator for every endpoint (HTML page or JSON API) that opens the
request's unit of work, finds who is asking, checks CSRF and the route's permission, and commits
once (or rolls back) — plus rendering, redirects, flash messages, problem+json and pagination."""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode, urlsplit

from pydantic import BaseModel, ValidationError
from sqlalchemy import Select, func, select
from sqlalchemy.exc import DataError, IntegrityError, StatementError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route

from . import idempotency
from .clock import today as clock_today
from .errors import DomainError, FieldError, NotFound, PermissionDenied, SignInRequired, plain_message
from .permissions import Actor, can, require
from .rulebook import rule_url
from .settings import Settings
from .slugs import RESERVED_SLUGS

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
MAX_FORM_FIELDS = 500


@dataclass(frozen=True)
class EndpointMeta:
    """What the route table knows about an endpoint: its permission and, for the API, its contract."""

    permission: str
    api: bool = False
    summary: str = ""
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    many: bool = False
    status: int = 200
    query: tuple[tuple[str, str, str], ...] = ()
    tag: str = ""
    #: An API endpoint that takes a file: the name of the file's part in a multipart/form-data body,
    #: whose other parts are the fields of ``body`` (read with ``req.parse`` as a page's form is).
    upload: str = ""
    #: A write that commits in transactions of its own (``req.database``), such as a sweep of the
    #: network: the request's session then only reads, so on SQLite it does not hold the write lock
    #: those transactions need.
    own_transactions: bool = False


class SlugConvertor(Convertor):
    """``{slug:slug}`` in a route: any path segment except the reserved words, so that
    ``/collaboratives/new`` and ``/collaboratives/{slug:slug}`` never match the same path and the
    route table's order does not matter."""

    regex = "(?!(?:" + "|".join(sorted(RESERVED_SLUGS)) + ")(?:/|$))[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("slug", SlugConvertor())


@dataclass(frozen=True)
class Waiting:
    """One thing a person must act on. Every home page leads with these ("Waiting for you"), each
    linking to the place to act; the domains provide them (``create_app`` composes the providers)."""

    text: str
    url: str
    #: The rule it is about (linked to the rulebook), if one.
    rule: str | None = None
    #: Since when it has waited (a day), for the oldest-first order and the page.
    since: date | None = None


# --- paths of named routes ----------------------------------------------------------------------

class RoutePaths:
    """The path of a named route, built from a table made once per app: a long list's thousands of
    links cost a dictionary lookup and a string substitution each, not a walk of the route table and
    an absolute URL (Starlette's ``url_for``). Names it does not know, or parameters that do not fit,
    are left to Starlette, which raises as it always has."""

    def __init__(self, routes: list[BaseRoute]) -> None:
        self._paths: dict[str, list[tuple[str, dict[str, Convertor]]]] = {}
        self._collect(routes, "")

    def _collect(self, routes: list[BaseRoute], prefix: str) -> None:
        for route in routes:
            if isinstance(route, Mount):
                if route.routes:
                    self._collect(route.routes, prefix + route.path)
                elif route.name:
                    self._add(route.name, prefix + route.path + "/{path}", route.param_convertors)
            elif isinstance(route, Route):
                self._add(route.name, prefix + route.path_format, route.param_convertors)

    def _add(self, name: str, path_format: str, convertors: dict[str, Convertor]) -> None:
        self._paths.setdefault(name, []).append((path_format, convertors))

    def path(self, name: str, **params: Any) -> str | None:
        """The path, or None when no route of that name takes exactly these parameters."""
        for path_format, convertors in self._paths.get(name, ()):
            if params.keys() == convertors.keys():
                path = path_format
                for key, value in params.items():
                    path = path.replace("{" + key + "}", convertors[key].to_string(value))
                return path
        return None


def path_for(request: Request, name: str, /, **params: Any) -> str:
    """The path of the route ``name`` (``/collaboratives/literacy``)."""
    state = request.app.state
    paths = getattr(state, "paths", None)
    if paths is None:
        paths = state.paths = RoutePaths(request.app.routes)
    found = paths.path(name, **params)
    if found is None:
        found = request.app.url_path_for(name, **params)  # raises NoMatchFound, naming the route
    return str(found)


# --- the request object handlers receive ---------------------------------------------------

@dataclass
class WebRequest:
    request: Request
    db: Session
    actor: Actor | None
    settings: Settings
    meta: EndpointMeta
    form: FormData | None = None
    body: Any = None
    #: Commit even though the response is an error (e.g. a failed sign-in is kept for the throttle).
    keep_changes: bool = False
    #: Whether the person authenticated with an API bearer token (rather than a browser session).
    by_token: bool = False
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    #: What more than one part of the page asks (``once``).
    _once: dict[str, Any] = field(default_factory=dict)

    # convenience ------------------------------------------------------------------------
    @property
    def method(self) -> str:
        return self.request.method

    @property
    def path_params(self) -> dict[str, Any]:
        return self.request.path_params

    @property
    def person(self):
        return self.actor.person if self.actor else None

    @property
    def database(self):
        """The app's database, for work in a transaction of its own (the request's is ``db``)."""
        return self.request.app.state.database

    @property
    def today(self) -> date:
        """Today in the network's zone: the one "today" of pages, the API and the services they call."""
        return clock_today(self.settings.tz)

    def waiting(self) -> list[Waiting]:
        """What this person must act on, from every domain's provider, oldest first."""
        items = [item for provider in self.request.app.state.waiting for item in provider(self)]
        return sorted(items, key=lambda w: (w.since is None, w.since or date.max))

    def panels(self, place: str, *args: Any) -> list[dict]:
        """The panels other domains add to a page (``create_app`` composes them), each a context for
        its template; a panel function answers None when it has nothing for this viewer."""
        out = []
        for panel in self.request.app.state.panels.get(place, ()):
            context = panel(self, *args)
            if context is not None:
                out.append(context)
        return out

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` the first time this request asks for ``key``; what it gave after that (a home
        page's panel and its "Waiting for you" read the same things)."""
        if key not in self._once:
            self._once[key] = compute()
        return self._once[key]

    def can(self, permission: str, target: Any = None) -> bool:
        return can(self.actor, permission, target)

    def url_for(self, name: str, **params: Any) -> str:
        return path_for(self.request, name, **params)

    def absolute_url(self, name: str, **params: Any) -> str:
        return self.settings.base_url.rstrip("/") + self.url_for(name, **params)

    def query(self, name: str, default: str | None = None) -> str | None:
        value = self.request.query_params.get(name)
        return value if value not in (None, "") else default

    def query_int(self, name: str, default: int, *, minimum: int = 1, maximum: int = 10_000) -> int:
        """The whole number ``?name=`` gives (``default`` when absent or empty), at most ``maximum``;
        anything else (``abc``, ``null``, below ``minimum``) is refused with 422 naming ``name``."""
        raw = self.request.query_params.get(name, "").strip()
        if not raw:
            return default
        value = int(raw) if re.fullmatch(r"-?[0-9]{1,18}", raw) else minimum - 1
        if value < minimum:
            raise DomainError(None, f"give a whole number from {minimum}", field=name)
        return min(maximum, value)

    # input --------------------------------------------------------------------------------
    def parse(self, model: type[BaseModel], **extra: Any) -> BaseModel:
        """Validate the form (pages) or JSON body (API) with ``model``; errors name the field and the
        rule the schema belongs to (its ``rule`` class attribute)."""
        if self.meta.api and self.form is None:
            if self.body is not None and not isinstance(self.body, dict):
                raise DomainError(schema_rule(model), "the body must be a JSON object", field="body")
            data = dict(self.body or {})
        else:
            data = form_to_dict(self.form, model)
        data.update(extra)
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise validation_error(exc, model) from None

    # output -------------------------------------------------------------------------------
    def flash(self, message: str, kind: str = "success") -> None:
        flashes = list(self.request.session.get("flash", []))
        flashes.append({"message": message, "kind": kind})
        self.request.session["flash"] = flashes  # reassign: in-place changes are not saved

    def redirect(self, url: str, flash: str | None = None, status: int = 303) -> Response:
        if flash:
            self.flash(flash)
        return RedirectResponse(url, status_code=status)

    def render(self, template: str, context: dict[str, Any] | None = None, status: int = 200) -> Response:
        templates = self.request.app.state.templates
        ctx = {
            "actor": self.actor,
            "settings": self.settings,
            "viewer_zone": self.viewer_zone,
            "csrf_token": csrf_token(self.request),
            "flashes": self.request.session.pop("flash", []),
            "can": self.can,
        }
        ctx.update(context or {})
        return templates.TemplateResponse(self.request, template, ctx, status_code=status)

    def json(self, data: Any, status: int | None = None) -> Response:
        return JSONResponse(to_jsonable(data), status_code=status or self.meta.status)

    def page_json(self, page: "Page", model: type[BaseModel]) -> Response:
        return self.json({
            "items": [model.model_validate(i) for i in page.items],
            "page": page.number, "per_page": page.per_page, "total": page.total, "pages": page.pages,
        })

    @property
    def viewer_zone(self) -> str:
        """M6: the zone this viewer reads times in."""
        if self.actor is not None:
            return self.actor.person.zone_name(self.settings.network_time_zone)
        return self.settings.network_time_zone


def posted(form: FormData | None, defaults: dict[str, Any]) -> dict[str, Any]:
    """The values a form page shows again after a refusal: what was posted for each of ``defaults``'
    keys (every value for a list — check boxes, multiple choices —, "on"/absent for a check box),
    else the default. Values of any other shape (the rows of a repeating section, as a tuple) are
    not fields of their own: a page that has them fills them in ``submit`` or ``context``."""
    if form is None:
        return dict(defaults)
    out: dict[str, Any] = {}
    for key, default in defaults.items():
        if isinstance(default, list):
            out[key] = form.getlist(key)
        elif isinstance(default, bool):
            out[key] = form.get(key) not in (None, "", "0", "false", "off")
        else:
            out[key] = form.get(key) if key in form else default
    return out


def form_page(req: WebRequest, template: str, *, form: dict[str, Any],
              context: dict[str, Any] | Callable[[], dict[str, Any]] | None = None,
              submit: Callable[[], Response]) -> Response:
    """The cycle of every form page. GET shows ``form`` (the defaults). POST calls ``submit``, which
    parses the form, calls one service and answers (usually a redirect); when a rule refuses, the
    page is shown again with what was posted, each error beside its field, and 422. The session is
    rolled back first, so nothing the refused action touched shows on the page again.

    ``context`` is the rest of the page's context, or a function computing it (called after the
    rollback). The template gets ``form`` and ``errors``.
    """
    def render(values: dict[str, Any], errors: dict[str, str], status: int) -> Response:
        extra = context() if callable(context) else dict(context or {})
        return req.render(template, {**extra, "form": values, "errors": errors}, status)

    if req.method != "POST":
        return render(form, {}, 200)
    values = posted(req.form, form)
    try:
        return submit()
    except DomainError as exc:
        req.db.rollback()
        return render(values, exc.field_messages(), exc.status)


def to_jsonable(data: Any) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    if isinstance(data, dict):
        return {k: to_jsonable(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [to_jsonable(v) for v in data]
    return data


def form_to_dict(form: FormData | None, model: type[BaseModel]) -> dict[str, Any]:
    """A form as a dict for ``model``: empty fields are absent, list fields collect every value."""
    if form is None:
        return {}
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        values = [v for v in form.getlist(name) if not (isinstance(v, str) and v.strip() == "")]
        origin = getattr(info.annotation, "__origin__", None)
        if origin in (list, set, frozenset, tuple):
            out[name] = values
        elif info.annotation is bool:
            out[name] = bool(values) and values[-1] not in ("0", "false", "off")
        elif values:
            out[name] = values[-1].strip() if isinstance(values[-1], str) else values[-1]
    return out


def schema_rule(model: Any) -> str | None:
    """The rule an input schema serves (``rule: ClassVar[str] = "K1"`` on the schema), if it names one."""
    rule = getattr(model, "rule", None)
    return rule if isinstance(rule, str) else None


def _rule_at(model: type[BaseModel], loc: tuple) -> str | None:
    """The rule of the innermost schema on the path ``loc`` (a plan's ``goals.2.statement`` is P2,
    though the plan's own schema is P3)."""
    rule = schema_rule(model)
    current: Any = model
    for part in loc:
        fields = getattr(current, "model_fields", None)
        if isinstance(part, int) or fields is None:
            continue
        info = fields.get(part)
        if info is None:
            break
        current = _inner_model(info.annotation)
        rule = schema_rule(current) or rule
    return rule


def _inner_model(annotation: Any) -> Any:
    """The schema inside ``list[X]``, ``X | None`` and the like (else the annotation itself)."""
    for arg in getattr(annotation, "__args__", ()):
        inner = _inner_model(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return annotation


def validation_error(exc: ValidationError, model: type[BaseModel] | None = None) -> DomainError:
    """A schema's refusal in the same shape as a rule's: each field error carries the rule (the one
    its message names, else that of the schema the field belongs to)."""
    errors = []
    for e in exc.errors():
        default_rule = _rule_at(model, e["loc"]) if model is not None else None
        loc = ".".join(str(p) for p in e["loc"]) or "body"
        # Issue 12: in plain words naming the field (errors.PLAIN_MESSAGES), not pydantic's own.
        msg = plain_message(e["type"], _label_at(model, e["loc"]), e.get("ctx"), e["msg"])
        rule = default_rule
        if len(msg) > 3 and msg[0].isupper() and msg[1:3].rstrip(":").isdigit() and ":" in msg[:4]:
            rule, msg = msg.split(":", 1)
            msg = msg.strip()
        errors.append(FieldError(loc, msg, rule))
    first = errors[0] if errors else FieldError("body", "invalid input")
    return DomainError(first.rule, first.message, field=first.field, errors=errors)


def _label_at(model: type[BaseModel] | None, loc: tuple) -> str:
    """What a form calls the field at ``loc``: its ``title``, else its name in words ("starts_on" →
    "Starts on", "person_id" → "Person"), with the item of a list it is in ("(goals, item 3)")."""
    current: Any = model
    label, items = "The body", []
    for part in loc:
        if isinstance(part, int):
            items.append(f"{label.lower()}, item {part + 1}")
            continue
        info = (getattr(current, "model_fields", None) or {}).get(part)
        label = (info.title if info is not None and info.title else
                 str(part).removesuffix("_id").replace("_", " ").capitalize())
        current = _inner_model(info.annotation) if info is not None else None
    return f"{label} ({'; '.join(items)})" if items else label


# --- pagination ------------------------------------------------------------------------------

@dataclass
class Page:
    items: list[Any]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_prev(self) -> bool:
        return self.number > 1


def paginate(db: Session, stmt: Select, number: int, per_page: int = 25, *, scalars: bool = True,
             count: Select | None = None) -> Page:
    """One page of ``stmt`` and the total count: two queries whatever the size of the table.
    ``count``: a cheaper query with the same rows to count (``stmt`` without the joins that only
    bring names to show)."""
    total = db.scalar(select(func.count()).select_from((count if count is not None else stmt)
                                                       .order_by(None).subquery())) or 0
    number = max(1, min(number, max(1, math.ceil(total / per_page))))
    limited = stmt.limit(per_page).offset((number - 1) * per_page)
    rows = db.scalars(limited).unique().all() if scalars else db.execute(limited).all()
    return Page(list(rows), number, per_page, total)


def page_url(request: Request, number: int) -> str:
    params = dict(request.query_params)
    params["page"] = str(number)
    return f"{request.url.path}?{urlencode(params)}"


# --- CSRF --------------------------------------------------------------------------------------

def csrf_token(request: Request) -> str:
    """The synchronizer token of this browser session (created on first use)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, form: FormData | None) -> bool:
    """A form post must carry the session's token, and must not come from a foreign origin."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        if urlsplit(origin).netloc != request.headers.get("host", request.url.netloc):
            return False
    expected = request.session.get("csrf")
    sent = (form.get(CSRF_FIELD) if form is not None else None) or request.headers.get("x-csrf-token")
    return bool(expected) and isinstance(sent, str) and secrets.compare_digest(expected, sent)


# --- problem+json --------------------------------------------------------------------------------

def problem(status: int, title: str, detail: str | None = None, rule: str | None = None,
            errors: list[FieldError] | None = None, headers: dict[str, str] | None = None,
            base_url: str = "") -> Response:
    """An RFC 9457 problem document carrying the rule ID and the field errors; its ``type`` is the
    rule's place in the rulebook (``https://…/rules#c2``)."""
    body: dict[str, Any] = {
        "type": rule_url(rule, base_url) or "about:blank",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if rule:
        body["rule"] = rule
    body["errors"] = [{"field": e.field, "message": e.message, "rule": e.rule} for e in (errors or [])]
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


# --- the decorator -------------------------------------------------------------------------------

def page(permission: str, **meta: Any):
    """Declare an HTML endpoint guarded by ``permission``."""
    return _endpoint(EndpointMeta(permission=permission, **meta))


def api(permission: str, **meta: Any):
    """Declare a JSON API endpoint guarded by ``permission`` (documented in OpenAPI)."""
    return _endpoint(EndpointMeta(permission=permission, api=True, **meta))


def _endpoint(meta: EndpointMeta):
    def decorate(handler: Callable[[WebRequest], Response]):
        async def endpoint(request: Request) -> Response:
            form = body = None
            if request.method in UNSAFE_METHODS:
                ctype = request.headers.get("content-type", "")
                if meta.api and idempotency.HEADER in request.headers:
                    request.state.raw_body = await request.body()  # kept: the form or JSON reads it again
                if meta.api and meta.upload and ctype.startswith("multipart/form-data"):
                    form = await request.form(max_fields=MAX_FORM_FIELDS, max_files=1)
                elif meta.api:
                    if ctype.startswith("application/json"):
                        try:
                            body = await request.json()
                        except ValueError:
                            return problem(400, "Bad request", "The body is not valid JSON.")
                        if not isinstance(body, dict):
                            # `false`, `[]` or `"x"` is not "no fields": refuse it before any handler.
                            return problem(422, "Unprocessable content", "The body must be a JSON object.",
                                           errors=[FieldError("body", "the body must be a JSON object", None)])
                    elif await request.body():
                        return problem(415, "Unsupported media type",
                                       "Send multipart/form-data." if meta.upload else "Send application/json.")
                else:
                    form = await request.form(max_fields=MAX_FORM_FIELDS)
            try:
                return await run_in_threadpool(_handle, handler, meta, request, form, body)
            finally:
                if form is not None:
                    await form.close()  # uploaded files are spooled to temporary files

        endpoint.meta = meta  # type: ignore[attr-defined]
        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        endpoint.handler = handler  # type: ignore[attr-defined]
        return endpoint

    return decorate


@dataclass(frozen=True)
class Identification:
    """How the web boundary finds who is asking: the person an API token or a signed-in session
    belongs to (None: nobody). The auth package provides both; ``create_app`` plugs them in, so this
    module, which every domain's pages use, imports no domain."""

    by_token: Callable[[Session, str], Any]
    by_session: Callable[[Session, str | None], Any]


def _authenticate(db: Session, request: Request, meta: EndpointMeta) -> tuple[Any, bool]:
    """The person making the request, and whether they came with a bearer token."""
    header = request.headers.get("authorization", "")
    identify: Identification = request.app.state.identify
    if header.lower().startswith("bearer "):
        return identify.by_token(db, header[7:].strip()), True
    return identify.by_session(db, request.session.get("sid")), False


def _handle(handler, meta: EndpointMeta, request: Request, form, body) -> Response:
    state = request.app.state
    unsafe = request.method in UNSAFE_METHODS
    db = state.database.session(write=unsafe and not meta.own_transactions)
    wreq = None
    committed = False
    try:
        person, by_token = _authenticate(db, request, meta)
        if meta.api and request.headers.get("authorization") and person is None:
            raise SignInRequired()
        actor = state.load_actor(db, person, clock_today(state.settings.tz), by_token=by_token)
        request.state.actor = actor  # error pages keep the signed-in navigation
        # The route's permission, asked without a target ("could this person ever do this?"), before
        # the CSRF check so that a visitor is asked to sign in (401 for the API). The services ask
        # again with the thing acted upon.
        require(actor, meta.permission)
        if unsafe and not by_token and not check_csrf(request, form):
            db.rollback()
            return _refuse_csrf(request, meta)
        if meta.own_transactions:
            db.commit()  # what finding the person wrote (a token's last use) must not hold the endpoint up
        key = _idempotency_key(request, meta, person)
        if key is not None:
            print_ = _fingerprint(request)
            replay = _replay(db, person, key, print_)
            if replay is not None:
                db.rollback()
                return replay
        wreq = WebRequest(request, db, actor, state.settings, meta, form=form, body=body, by_token=by_token)
        response = handler(wreq)
        if key is not None and response.status_code < 400:
            idempotency.store(db, person.id, key, print_, response.status_code,
                              response.media_type or "application/json", bytes(response.body))
        if response.status_code < 400 or wreq.keep_changes:
            db.commit()
            committed = response.status_code < 400
        else:
            db.rollback()
    except Exception as exc:  # noqa: BLE001 - every failure rolls back, then maps to an answer
        db.rollback()
        response = _error_response(exc, request, meta, state)
        if response is None:
            raise
        return response
    finally:
        db.close()
    # Side effects (mail, caches outside the database) only for changes that were committed: the
    # request's own, and those ``create_app`` asks of every commit (``commit_hooks``, given the
    # session: e.g. waking the mail courier when the change wrote to the outbox).
    if committed:
        for hook in getattr(state, "commit_hooks", ()):
            hook(db)
        for callback in wreq.after_commit:
            callback()
    return response


def _idempotency_key(request: Request, meta: EndpointMeta, person) -> str | None:
    """The write's ``Idempotency-Key``, if it carries one that can be kept (an API write by someone
    signed in, in the request's own transaction)."""
    if not (meta.api and request.method in UNSAFE_METHODS and person is not None and not meta.own_transactions):
        return None
    key = request.headers.get(idempotency.HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > idempotency.MAX_KEY:
        raise DomainError(None, f"an Idempotency-Key is 1 to {idempotency.MAX_KEY} characters",
                          field="Idempotency-Key")
    return key


def _fingerprint(request: Request) -> str:
    return idempotency.fingerprint(request.method, request.url.path, request.url.query,
                                   getattr(request.state, "raw_body", b""))


def _replay(db: Session, person, key: str, print_: str) -> Response | None:
    """The first answer to this key, or None if there is none; a key used for another request (another
    fingerprint) is refused."""
    stored = idempotency.lookup(db, person.id, key)
    if stored is None:
        return None
    if stored.fingerprint != print_:
        raise DomainError(None, "this Idempotency-Key was used for a different request; use a new key for a "
                          "new request", field="Idempotency-Key")
    return Response(stored.body, status_code=stored.status, media_type=stored.media_type,
                    headers={"Idempotent-Replayed": "true"})


def _refuse_csrf(request: Request, meta: EndpointMeta) -> Response:
    if meta.api:
        return problem(403, "Forbidden", "Cookie-authenticated API writes need the X-CSRF-Token header.")
    return Response("The form has expired or did not come from this site (CSRF check failed). "
                    "Go back, reload the page and try again.", status_code=403, media_type="text/plain")


def _error_response(exc: Exception, request: Request, meta: EndpointMeta, state) -> Response | None:
    templates = state.templates
    if isinstance(exc, SignInRequired):
        if meta.api:
            return problem(401, "Sign-in required", "Send a valid bearer token.",
                           headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?{urlencode({'next': target})}", status_code=303)
    if isinstance(exc, PermissionDenied):
        if meta.api:
            return problem(403, "Forbidden", exc.message)
        return _error_page(templates, request, 403, "Not allowed", exc.message)
    if isinstance(exc, NotFound):
        if meta.api:
            return problem(404, "Not found")
        return _error_page(templates, request, 404, "Not found", "There is nothing here.")
    if isinstance(exc, DomainError):
        if meta.api:
            return problem(exc.status, "Refused" if exc.rule else "Invalid input", str(exc),
                           base_url=state.settings.base_url,
                           rule=exc.rule, errors=exc.errors)
        return _error_page(templates, request, exc.status, "That could not be done", str(exc))
    if isinstance(exc, (OverflowError, DataError)):
        message = "A number or value in the request is out of range."
        if meta.api:
            return problem(422, "Invalid input", message)
        return _error_page(templates, request, 422, "That could not be done", message)
    if isinstance(exc, StatementError) and isinstance(exc.orig, ValueError):
        # A filter's value that is none of its column's choices (``?kind=pottery``: db.EnumText
        # refuses to bind it); the query parameters that carry it are the fields at fault.
        fields = [name for name, value in request.query_params.multi_items() if value and repr(value) in str(exc.orig)]
        message = "A value in the request is not one of the choices."
        if meta.api:
            return problem(422, "Invalid input", message,
                           errors=[FieldError(name, "not one of the choices", None) for name in fields])
        return _error_page(templates, request, 422, "That could not be done", message)
    if isinstance(exc, IntegrityError):
        # The database refused a write that a concurrent request made impossible (a unique key, C8).
        message = "Someone else changed the same thing at the same moment; reload and try again."
        if meta.api:
            return problem(409, "Conflict", message)
        return _error_page(templates, request, 409, "That could not be done", message)
    return None


async def no_such_page(request: Request, exc: Exception) -> Response:
    """A path no route matches: the site's error page (problem+json under the API), not a bare
    "Not Found"."""
    if request.url.path.startswith("/api/"):
        return problem(404, "Not found", "No such resource.")
    return _error_page(request.app.state.templates, request, 404, "Not found",
                       "There is no page at this address. It may have moved, or the link may be mistyped.")


async def http_error(request: Request, exc: HTTPException) -> Response:
    """What the router and the body parser refuse before any endpoint runs (a method the path does
    not take, a malformed form, a body too large): problem+json under the API. A 405's ``Allow``
    lists every method of the path, though its methods are spread over several routes."""
    if exc.status_code == 404:
        return await no_such_page(request, exc)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # From the top: the router has already walked into the mount (its root_path is in the scope).
        scope = {**request.scope, "root_path": request.scope.get("app_root_path", request.scope.get("root_path", ""))}
        headers["Allow"] = ", ".join(sorted(allowed_methods(request.app.routes, scope)))
    if request.url.path.startswith("/api/"):
        return problem(exc.status_code, exc.detail, headers=headers)
    return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=headers)


def allowed_methods(routes: list[BaseRoute], scope: dict[str, Any]) -> set[str]:
    """Every method some route takes at the scope's path (walking mounts as the router does)."""
    methods: set[str] = set()
    for route in routes:
        match, child = route.matches(scope)
        if match is Match.NONE:
            continue
        if isinstance(route, Mount):
            methods |= allowed_methods(route.routes, {**scope, **child})
        elif isinstance(route, Route) and route.methods:
            methods |= route.methods
    return methods


def _error_page(templates, request: Request, status: int, title: str, message: str) -> Response:
    actor = getattr(request.state, "actor", None)
    settings = request.app.state.settings
    zone = actor.person.zone_name(settings.network_time_zone) if actor else settings.network_time_zone
    return templates.TemplateResponse(
        request, "error.html",
        {"title": title, "message": message, "actor": actor, "flashes": [],
         "csrf_token": csrf_token(request), "viewer_zone": zone, "settings": settings,
         "can": lambda permission, target=None: can(actor, permission, target)},
        status_code=status,
    )
