"""The ASGI application. ``create_app(settings)`` composes the domains in one readable place: their
routes, the panels they add to other domains' pages, the checks a higher domain makes on a lower
one's actions, and how the person asking becomes an actor. ``app`` is the one uvicorn serves
(``nesa_collab.app:app``), configured from ``NESA_*`` environment variables.

The domains build on each other in this order, each importing only those before it (a test holds
the code to it): audit and notifications (written by all) → auth (people, permissions) → network →
cores → plans → meetings → obligations, support → flags. Where a lower domain needs a higher one's answer, the higher one is
plugged in here.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from . import home, logs, models  # noqa: F401 - models registers every table with the metadata
from .api import openapi
from .audit_log import api as audit_api
from .audit_log import views as audit_views
from .auth import api as auth_api
from .auth import services as auth
from .auth import views as auth_views
from .cores import api as cores_api
from .cores import digest as cores_digest
from .cores import services as cores
from .cores import standing_store
from .cores import views as cores_views
from .db import Database
from .flags import api as flags_api
from .flags import digest as flags_digest
from .flags import views as flags_views
from .flags.scheduling import background_scheduler
from .meetings import api as meetings_api
from .meetings import conferences, feeds, invitations, rsvps, times
from .meetings import services as meetings
from .meetings import views as meetings_views
from .network import api as network_api
from .network import services as network
from .network import views as network_views
from .notifications import api as notifications_api
from .notifications import digest
from .notifications import views as notifications_views
from .notifications.delivery import Courier
from .notifications.services import wrote_messages
from .obligations import api as obligations_api
from .obligations import digest as obligations_digest
from .obligations import feed as obligations_feed
from .obligations import services as obligations
from .obligations import views as obligations_views
from .paths import STATIC_DIR
from .plans import api as plans_api
from .plans import digest as plans_digest
from .plans import views as plans_views
from .headers import SecurityHeaders
from .settings import Settings
from .support import api as support_api
from .support import digest as support_digest
from .support import views as support_views
from .templating import make_templates
from .web import Identification, http_error, no_such_page

MAX_BODY_BYTES = 2 * 1024 * 1024
#: Room for a form's other fields and the multipart framing around an uploaded file.
FORM_OVERHEAD_BYTES = 64 * 1024


def max_body_bytes(settings: Settings) -> int:
    """The largest request body: enough for a receipt of the configured size (S3) and its form."""
    return max(MAX_BODY_BYTES, settings.receipt_max_bytes + FORM_OVERHEAD_BYTES)


#: What each domain adds to another's page, in the order shown. A panel is a function of the request
#: (and the page's subject) returning its template's context, or None when it has nothing to show.
PANELS = {
    "home": [obligations_views.home_obligations_panel, cores_views.home_core_panel, plans_views.home_plans_panel,
             meetings_views.dashboard_panel, support_views.home_claims_panel],
    "collaborative": [cores_views.collaborative_core_panel, plans_views.collaborative_plan_panel,
                      meetings_views.collaborative_panel, cores_views.collaborative_announcements_panel],
    "profile": [network_views.profile_panel, notifications_views.profile_panel],
    "meeting": [support_views.meeting_claim_panel, meetings_views.invitations_panel],
    "school": [obligations_views.school_cores_panel],
    # Issue 12 (7): what lapsing a school or retiring a collaborative does, on the page that asks first.
    "school_lapse": [obligations_views.school_cores_panel],
    "collaborative_retire": [meetings_views.retire_panel],
}

#: What each domain says a person must act on: the "Waiting for you" list every home page leads with.
WAITING = [network_views.waiting_for_you, cores_views.waiting_for_you, plans_views.waiting_for_you,
           meetings_views.waiting_for_you, obligations_views.waiting_for_you, support_views.waiting_for_you,
           flags_views.waiting_for_you]

#: Template filters a domain offers every page.
FILTERS = {"describe_rule": times.describe_rule}


def install_domain_rules() -> None:
    """The checks a higher domain makes before a lower one acts, and what it does when a lower one's
    facts change (idempotent). C4: a Core member stays a member of the collaborative while serving,
    so the network asks the Cores first. O1–O3: the obligations follow the meetings, conferences,
    answers, terms, people's schools and schools' membership they are derived from, and the school's
    calendar lists them. C10/F8: the Cores' stored standings are judged again when a member's school
    changes or lapses. M5: a meeting sent as an invitation sends its updates and its cancellation.
    The daily digest gathers what is waiting for each person from the domains that own it."""
    network.MEMBERSHIP_END_CHECKS[:] = [cores.serving_member_stays]
    meetings.MEETING_CHANGE_LISTENERS[:] = [obligations.meeting_changed, invitations.meeting_changed,
                                            obligations_feed.meeting_changed]
    conferences.CONFERENCE_CHANGE_LISTENERS[:] = [obligations.conference_changed, obligations_feed.conference_changed]
    rsvps.RSVP_LISTENERS[:] = [obligations.answered]
    cores.TERM_LISTENERS[:] = [obligations.term_changed]
    auth.SCHOOL_CHANGE_LISTENERS[:] = [obligations.school_of_person_changed, standing_store.school_of_person_changed]
    network.SCHOOL_STATUS_LISTENERS[:] = [obligations.school_status_changed, standing_store.school_status_changed]
    network.MEMBERSHIP_LISTENERS[:] = [obligations.membership_changed]
    feeds.SCHOOL_DAYS_PROVIDERS[:] = [obligations_feed.school_days]
    digest.DIGEST_SOURCES[:] = [cores_digest.requests_waiting, plans_digest.for_the_dpl,
                                support_digest.claims_waiting, obligations_digest.pending_obligations,
                                flags_digest.flags_to_act_on]


def all_routes() -> list:
    """Every domain's routes. No two match the same path (a test checks it), so their order does
    not matter."""
    return [
        Mount("/static", app=StaticFiles(directory=str(STATIC_DIR)), name="static"),
        *home.routes,
        *auth_views.routes,
        *network_views.routes,
        *cores_views.routes,
        *plans_views.routes,
        *meetings_views.routes,
        *obligations_views.routes,
        *support_views.routes,
        *flags_views.routes,
        *audit_views.routes,
        *notifications_views.routes,
        Mount("/api/v1", routes=[*openapi.routes, *auth_api.routes, *network_api.routes, *cores_api.routes,
                                 *plans_api.routes, *meetings_api.routes, *obligations_api.routes,
                                 *support_api.routes, *flags_api.routes, *audit_api.routes,
                                 *notifications_api.routes]),
    ]


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    settings = (settings or Settings.from_env()).check()
    database = database or Database(settings.database_url)
    install_domain_rules()
    logs.install()
    courier = Courier(database, settings)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        # F1–F8: the daily sweep, in this process unless it is scheduled elsewhere or off (the lease
        # lets one sweep a day run however many workers carry a scheduler).
        scheduler = background_scheduler(database, settings) if settings.scheduler == "app" else None
        if scheduler is not None:
            scheduler.start()
        app.state.scheduler = scheduler
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=True)  # a sweep under way finishes before the database goes
            courier.wait(10)  # let a send under way mark what it sent
            database.dispose()

    app = Starlette(
        debug=False,
        routes=all_routes(),
        middleware=[
            Middleware(SecurityHeaders, production=settings.is_production),
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
        exception_handlers={404: no_such_page, HTTPException: http_error},
        max_body_size=max_body_bytes(settings),
    )
    app.state.settings = settings
    app.state.database = database
    app.state.templates = make_templates()
    app.state.templates.env.filters.update(FILTERS)
    app.state.panels = PANELS
    app.state.waiting = WAITING
    #: Who is asking: the person (auth), then as an actor with their roles (auth), memberships
    #: (network) and the Cores they serve on today (cores).
    app.state.identify = Identification(by_token=auth.person_for_token, by_session=auth.person_for_session)
    app.state.load_actor = cores.load_actor
    #: Mail leaves after the commit that wrote it: the courier (a thread of this process) is woken to
    #: send the outbox; the scheduler's regular ``send_due`` retries what failed.
    app.state.courier = courier
    app.state.commit_hooks = [lambda db: courier.kick() if wrote_messages(db) else None]
    return app


def __getattr__(name: str):
    # ``nesa_collab.app:app`` is built on first use, so importing this module has no side effects.
    if name == "app":
        global app
        app = create_app()
        return app
    raise AttributeError(name)
