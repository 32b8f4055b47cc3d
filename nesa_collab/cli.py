"""The ``nesa-collab`` command: serve, migrate, seed, add people and tokens, run the demo.

The CLI acts as the operator of the installation (audit entries show "System")."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from .settings import Settings, SettingsError, sqlite_path


def _settings() -> Settings:
    from . import models  # noqa: F401 - every mapper, so relationships between domains resolve
    from .app import install_domain_rules

    install_domain_rules()  # the checks higher domains make on lower ones' actions (C4), as in the app
    try:
        return Settings.from_env()
    except SettingsError as exc:
        sys.exit(f"nesa-collab: {exc}")


def cmd_serve(args) -> None:
    from .serving import serve

    settings = _settings()
    if not args.no_migrate and sqlite_path(settings.database_url) is not None:
        from .migrate import upgrade

        upgrade(settings.database_url)
    # X-Forwarded-For is believed from the configured proxies only: from anyone else it would let a
    # client choose the address the sign-in throttle counts.
    trusted = settings.trusted_proxies.strip()
    serve("nesa_collab.app:app", host=args.host, port=args.port, workers=args.workers,
          proxy_headers=bool(trusted), forwarded_allow_ips=trusted or None, log_level="info",
          access_log=not args.no_access_log)


def cmd_db(args) -> None:
    from sqlalchemy.engine import make_url

    from .migrate import downgrade, upgrade

    settings = _settings()
    if args.action == "upgrade":
        upgrade(settings.database_url, args.revision or "heads")
        print(f"Database at {make_url(settings.database_url).render_as_string(hide_password=True)} is up to date.")
    else:
        downgrade(settings.database_url, args.revision or "-1")
        print(f"Database downgraded to {args.revision or '-1'}.")


def _refuse_production(settings: Settings, args, command: str) -> None:
    """The demo network is for trying the product: loading it into a production database takes an
    explicit ``--allow-production`` (and even then its published-password accounts are not made)."""
    if settings.is_production and not args.allow_production:
        sys.exit(f"nesa-collab {command}: NESA_ENV is production; this would load the demo network into the "
                 "production database. Pass --allow-production if that is really meant (the demo accounts "
                 "and their published password are never created in production).")


def cmd_seed(args) -> None:
    from .db import Database
    from .paths import SEED_DIR
    from .seed import load

    settings = _settings()
    _refuse_production(settings, args, "seed")
    database = Database(settings.database_url)
    counts = load(database, settings, Path(args.dir) if args.dir else SEED_DIR)
    database.dispose()
    added = ", ".join(f"{n} {k}" for k, n in counts.items() if n) or "nothing new"
    print(f"Seeded: {added}.")


def cmd_backup(args) -> None:
    from .backup import BackupError, backup

    settings = _settings()
    try:
        path = backup(settings.database_url, Path(args.file))
    except BackupError as exc:
        sys.exit(f"nesa-collab backup: {exc}")
    print(f"Backed up to {path} ({path.stat().st_size // 1024} KiB).")


def cmd_restore(args) -> None:
    from .backup import BackupError, restore

    settings = _settings()
    if not args.yes:
        sys.exit("nesa-collab restore: this replaces every record in the database with the backup's. "
                 "Stop the app, then run it again with --yes.")
    try:
        path = restore(settings.database_url, Path(args.file))
    except BackupError as exc:
        sys.exit(f"nesa-collab restore: {exc}")
    print(f"Restored {path} from {args.file}. Run `nesa-collab db upgrade` if the backup is older than this version.")


def cmd_users_create(args) -> None:
    from sqlalchemy import select

    from .auth.models import Role
    from .permissions import SYSTEM
    from .auth.services import create_person
    from .db import Database
    from .errors import DomainError
    from .network.models import School

    settings = _settings()
    password = args.password or os.environ.get("NESA_NEW_PASSWORD")
    if password is None and sys.stdin.isatty():
        password = getpass.getpass("Password (empty for none): ") or None
    database = Database(settings.database_url)
    try:
        with database.transaction() as db:
            school_id = None
            if args.school:
                school_id = db.scalar(select(School.id).where(School.slug == args.school))
                if school_id is None:
                    sys.exit(f"nesa-collab: no school with slug {args.school!r}")
            person = create_person(db, SYSTEM, name=args.name, email=args.email, school_id=school_id,
                                   roles={Role(r) for r in (args.role or ["member"])}, time_zone=args.time_zone,
                                   password=password, settings=settings)
            db.flush()
            print(f"Created person {person.id}: {person.name} <{person.email}> "
                  f"({', '.join(sorted(r.value for r in person.roles))}).")
    except (DomainError, ValueError) as exc:
        sys.exit(f"nesa-collab: {exc}")
    finally:
        database.dispose()


def cmd_obligations_refresh(args) -> None:
    """O1–O3: derive every school's obligations from the facts and bring the stored ones in line (for
    an installation upgraded to obligations, or after data was changed outside the product)."""
    from .db import Database
    from .obligations.services import reconcile_all

    settings = _settings()
    database = Database(settings.database_url)
    try:
        with database.transaction() as db:
            changes = reconcile_all(db)
        print(f"Obligations: {len(changes.created)} added, {len(changes.moved)} moved "
              f"({len(changes.reopened)} asked again), {len(changes.withdrawn)} withdrawn.")
    finally:
        database.dispose()


def cmd_mail_send(args) -> None:
    """Send the outbox's messages that are due (for cron: every few minutes); failed ones wait for
    their next attempt."""
    from .db import Database
    from .notifications.delivery import send_due

    settings = _settings()
    database = Database(settings.database_url)
    try:
        result = send_due(database, settings, limit=args.limit)
    finally:
        database.dispose()
    if not result.configured:
        print(f"Mail is not configured (NESA_SMTP_HOST): nothing sent; {result.waiting} message(s) wait in the outbox.")
        return
    print(f"Mail: {result.sent} sent, {result.failed} failed (to be tried again), {result.waiting} waiting.")


def cmd_mail_digest(args) -> None:
    """Write today's digest to the outbox for everyone with something waiting (once a day; running it
    again that day writes nothing), and send what is due."""
    from datetime import date

    from .clock import today
    from .db import Database
    from .notifications.jobs import daily_digest

    settings = _settings()
    try:
        day = date.fromisoformat(args.today) if args.today else today(settings.tz)
    except ValueError:
        sys.exit(f"nesa-collab: --today must be a date (YYYY-MM-DD), not {args.today!r}")
    database = Database(settings.database_url)
    try:
        count, sent = daily_digest(database, settings, day)
    finally:
        database.dispose()
    print(f"Digest of {day:%-d %B %Y}: {count} written to the outbox"
          + (f"; {sent.sent} message(s) sent." if sent.configured else " (mail is not configured: read it at /digest)."))
def cmd_sweep(args) -> None:
    """F1–F8: sweep the network once (for cron), judging today in the network's zone or ``--today``."""
    from datetime import date

    from .clock import today as clock_today
    from .db import Database
    from .flags.runs import run_sweep

    settings = _settings()
    try:
        day = date.fromisoformat(args.today) if args.today else clock_today(settings.tz)
    except ValueError:
        sys.exit(f"nesa-collab: --today must be a date as YYYY-MM-DD, not {args.today!r}")
    database = Database(settings.database_url)
    try:
        outcome = run_sweep(database, day, settings, "cli", full=args.full)
    finally:
        database.dispose()
    if outcome.skipped:
        print(f"Sweep of {day.isoformat()} not run: {outcome.skipped}.")
    elif outcome.error:
        sys.exit(f"nesa-collab: the sweep of {day.isoformat()} failed (run {outcome.run_id}): {outcome.error}")
    elif not outcome.judged:
        print(f"Sweep of {day.isoformat()}: nothing changed since the last sweep of that day (run {outcome.run_id}; "
              "--full judges the rules again).")
    else:
        print(f"Sweep of {day.isoformat()}: {outcome.raised} flags raised, {outcome.cleared} cleared "
              f"(run {outcome.run_id}).")


def cmd_scheduler(args) -> None:
    """F1–F8: run the daily sweep's schedule in this process (production: with NESA_SCHEDULER=process,
    so the web workers start none)."""
    import logging

    from .db import Database
    from .flags.scheduling import run_blocking

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = _settings()
    database = Database(settings.database_url)
    try:
        run_blocking(database, settings)
    finally:
        database.dispose()


def cmd_tokens_create(args) -> None:
    from .permissions import SYSTEM
    from .auth.services import create_token, find_by_email
    from .db import Database

    settings = _settings()
    database = Database(settings.database_url)
    try:
        with database.transaction() as db:
            person = find_by_email(db, args.email)
            if person is None:
                sys.exit(f"nesa-collab: no person with email {args.email}")
            _, secret = create_token(db, SYSTEM, person, args.name)
        print(secret)
    finally:
        database.dispose()


def cmd_demo(args) -> None:
    """Create (or reuse) a SQLite database, migrate it, load the demo data and serve it."""
    path = Path(args.db).resolve()
    os.environ["NESA_DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("NESA_BASE_URL", f"http://{args.host}:{args.port}")
    settings = _settings()
    _refuse_production(settings, args, "demo")
    if args.fresh and path.exists():
        path.unlink()
    from .db import Database
    from .migrate import upgrade
    from .seed import demo_accounts, load

    upgrade(settings.database_url)
    database = Database(settings.database_url)
    load(database, settings)
    database.dispose()
    print(f"\nnesa-collab demo: http://{args.host}:{args.port}/   (database: {path})")
    if settings.is_production:
        print("NESA_ENV is production: the demo accounts were not created; add people with `nesa-collab users create`.")
    else:
        password, accounts = demo_accounts()
        print(f"Sign in with any of these accounts; the password is {password!r}:")
        for a in accounts:
            print(f"  {a['role']:<36} {a['email']}")
    print()
    if args.no_serve:
        return
    import uvicorn

    uvicorn.run("nesa_collab.app:app", host=args.host, port=args.port, proxy_headers=False, log_level="info")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nesa-collab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="serve the web app with uvicorn")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--no-migrate", action="store_true", help="do not migrate a SQLite database first")
    p.add_argument("--no-access-log", action="store_true", help="log no line per request (the proxy's log has them)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("db", help="migrate the database (Alembic)")
    p.add_argument("action", choices=["upgrade", "downgrade"])
    p.add_argument("revision", nargs="?")
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("seed", help="load the demo network from seed_data/ (idempotent)")
    p.add_argument("--dir", help="another seed directory")
    p.add_argument("--allow-production", action="store_true",
                   help="load it even when NESA_ENV is production (without the demo accounts)")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("backup", help="copy the SQLite database to FILE while the app runs (online backup)")
    p.add_argument("file")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="replace the SQLite database with the backup FILE (stop the app first)")
    p.add_argument("file")
    p.add_argument("--yes", action="store_true", help="yes, replace every record")
    p.set_defaults(func=cmd_restore)

    users = sub.add_parser("users", help="manage people").add_subparsers(dest="users_command", required=True)
    p = users.add_parser("create", help="add a person with roles")
    p.add_argument("--name", required=True)
    p.add_argument("--email", required=True)
    p.add_argument("--school", help="school slug (none for network staff)")
    p.add_argument("--role", action="append",
                   choices=["dpl", "executive_director", "pdac", "center_staff", "member", "school_coordinator"])
    p.add_argument("--time-zone")
    p.add_argument("--password", help="(or NESA_NEW_PASSWORD, or asked for on a terminal)")
    p.set_defaults(func=cmd_users_create)

    tokens = sub.add_parser("tokens", help="API tokens").add_subparsers(dest="tokens_command", required=True)
    p = tokens.add_parser("create", help="create an API token for a person and print it")
    p.add_argument("--email", required=True)
    p.add_argument("--name", default="CLI token")
    p.set_defaults(func=cmd_tokens_create)

    obligations = sub.add_parser("obligations", help="member schools' obligations (O1–O3)").add_subparsers(
        dest="obligations_command", required=True)
    p = obligations.add_parser("refresh", help="derive every school's obligations again from the facts")
    p.set_defaults(func=cmd_obligations_refresh)

    mail = sub.add_parser("mail", help="the outbox: send it, write the daily digest").add_subparsers(
        dest="mail_command", required=True)
    p = mail.add_parser("send", help="send the messages that are due (retries with back-off; for cron)")
    p.add_argument("--limit", type=int, help="send at most this many")
    p.set_defaults(func=cmd_mail_send)
    p = mail.add_parser("digest", help="write today's digest for everyone with something waiting (once a day) "
                                      "and send it")
    p.add_argument("--today", help="the day (YYYY-MM-DD; default: today in the network's zone)")
    p.set_defaults(func=cmd_mail_digest)
    p = sub.add_parser("sweep", help="judge the flag rules (F1–F8) over the network once (for cron)")
    p.add_argument("--today", help="the day to judge, YYYY-MM-DD (default: today in the network's zone)")
    p.add_argument("--full", action="store_true",
                   help="judge the rules even if nothing changed since the last sweep of that day")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("scheduler", help="run the daily flags sweep on its schedule, in this process")
    p.set_defaults(func=cmd_scheduler)

    p = sub.add_parser("demo", help="create a SQLite demo database with realistic data and serve it")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--db", default="nesa-demo.db", help="SQLite file (default: ./nesa-demo.db)")
    p.add_argument("--fresh", action="store_true", help="start from an empty database")
    p.add_argument("--no-serve", action="store_true", help="prepare the database and stop")
    p.add_argument("--allow-production", action="store_true",
                   help="run it even when NESA_ENV is production (without the demo accounts)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
