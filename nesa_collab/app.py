"""The ASGI application: ``create_app(settings)`` mounts each domain's routes. ``app`` is the one
uvicorn serves (``nesa_collab.app:app``), configured from ``NESA_*`` environment variables."""

from __future__ import annotations

from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from . import models  # noqa: F401 - registers every table with the metadata
from .db import Database
from .paths import STATIC_DIR
from .settings import Settings
from .templating import make_templates

MAX_BODY_BYTES = 2 * 1024 * 1024


def all_routes() -> list:
    """Every domain's routes, in the order they are matched."""
    from . import home
    from .api import openapi
    from .audit import api as audit_api
    from .audit import views as audit_views
    from .auth import api as auth_api
    from .auth import views as auth_views
    from .cores import api as cores_api
    from .cores import views as cores_views
    from .meetings import api as meetings_api
    from .meetings import views as meetings_views
    from .network import api as network_api
    from .network import views as network_views
    from .plans import api as plans_api
    from .plans import views as plans_views

    # Plans come before the network's routes: "/collaboratives/{slug}/{action}" would take their paths.
    return [
        Mount("/static", app=StaticFiles(directory=str(STATIC_DIR)), name="static"),
        *home.routes,
        *auth_views.routes,
        *plans_views.routes,
        *network_views.routes,
        *cores_views.routes,
        *meetings_views.routes,
        *audit_views.routes,
        Mount("/api/v1", routes=[*openapi.routes, *auth_api.routes, *plans_api.routes, *network_api.routes,
                                   *cores_api.routes, *meetings_api.routes, *audit_api.routes]),
    ]


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    settings = (settings or Settings.from_env()).check()
    database = database or Database(settings.database_url, base_url=settings.base_url)
    if database.base_url is None:
        database.base_url = settings.base_url

    @asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        database.dispose()

    app = Starlette(
        debug=False,
        routes=all_routes(),
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie="nesa_session",
                max_age=settings.session_days * 86400,
                same_site="lax",
                https_only=not (settings.env in ("development", "test")),
            ),
        ],
        lifespan=lifespan,
        max_body_size=MAX_BODY_BYTES,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.templates = make_templates()
    return app


def __getattr__(name: str):
    # ``nesa_collab.app:app`` is built on first use, so importing this module has no side effects.
    if name == "app":
        global app
        app = create_app()
        return app
    raise AttributeError(name)
