"""Settings read from ``NESA_*`` environment variables, with safe defaults for development."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .paths import STATIC_DIR, TEMPLATES_DIR

DEFAULT_SECRET_KEY = "dev-insecure-secret-key-change-me"
DEFAULT_DATABASE_URL = "sqlite:///nesa-collab.db"
DEFAULT_RECEIPT_MAX_BYTES = 5 * 1024 * 1024

#: Every setting, its environment variable and what it means (the README documents each one;
#: a test checks that it does).
DOCUMENTED = {
    "database_url": ("NESA_DATABASE_URL", "SQLAlchemy URL of the database"),
    "secret_key": ("NESA_SECRET_KEY", "signs session cookies; must be set in production"),
    "env": ("NESA_ENV", "`development` or `production`"),
    "network_time_zone": ("NESA_TIME_ZONE", "the network's IANA time zone"),
    "network_name": ("NESA_NETWORK_NAME", "the network's name shown in pages"),
    "school_year_start_month": ("NESA_SCHOOL_YEAR_START_MONTH", "month school years start"),
    "base_url": ("NESA_BASE_URL", "public URL of the site, used in links in mail and feeds"),
    "sign_in_max_failures": ("NESA_SIGN_IN_MAX_FAILURES", "free failed sign-ins of one account from one address before the throttle's waits"),
    "sign_in_window_minutes": ("NESA_SIGN_IN_WINDOW_MINUTES", "window of the sign-in throttle"),
    "session_days": ("NESA_SESSION_DAYS", "days a sign-in lasts"),
    "plan_stale_months": ("NESA_PLAN_STALE_MONTHS", "months without a revision before a plan is out of date (P5)"),
    "receipts_dir": ("NESA_RECEIPTS_DIR", "folder the hotel-night receipts are stored in (S3), outside the web root"),
    "receipt_max_bytes": ("NESA_RECEIPT_MAX_BYTES", "largest receipt accepted, in bytes (S3)"),
    "smtp_host": ("NESA_SMTP_HOST", "the SMTP server that sends the outbox; empty: no mail is sent"),
    "smtp_port": ("NESA_SMTP_PORT", "its port"),
    "smtp_starttls": ("NESA_SMTP_STARTTLS", "upgrade the connection with STARTTLS (true or false)"),
    "smtp_username": ("NESA_SMTP_USERNAME", "the SMTP user name (empty: no login)"),
    "smtp_password": ("NESA_SMTP_PASSWORD", "the SMTP password (a secret)"),
    "smtp_timeout_seconds": ("NESA_SMTP_TIMEOUT_SECONDS", "how long to wait for the SMTP server"),
    "mail_from": ("NESA_MAIL_FROM", "the sender of every message, e.g. `NESA <collaboratives@example.org>`"),
    "scheduler": ("NESA_SCHEDULER", "where the daily flags sweep (F1–F8) is scheduled: `app` (in the web app's "
                                    "process), `process` (run `nesa-collab scheduler`) or `off`"),
    "sweep_time": ("NESA_SWEEP_TIME", "time of day (HH:MM, the network's zone) of the daily flags sweep"),
    "trusted_proxies": ("NESA_TRUSTED_PROXIES", "addresses of the reverse proxies whose `X-Forwarded-For` and "
                                                "`X-Forwarded-Proto` `nesa-collab serve` believes (comma-separated "
                                                "IPs or networks); empty: none, the client is the connection's address"),
}
#: Where the daily sweep is scheduled (see ``Settings.scheduler``).
SCHEDULER_MODES = ("app", "process", "off")


class SettingsError(RuntimeError):
    """The configuration cannot be used (for example the default secret key in production)."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = field(default=DEFAULT_SECRET_KEY, repr=False)
    env: str = "development"
    network_time_zone: str = "Europe/Athens"
    network_name: str = "NESA"
    school_year_start_month: int = 8
    base_url: str = "http://127.0.0.1:8000"
    sign_in_max_failures: int = 5
    sign_in_window_minutes: int = 15
    session_days: int = 14
    #: P5: a plan with no revision in this many months is out of date.
    plan_stale_months: int = 12
    #: S3: where receipts are kept; empty: a ``receipts`` folder beside the SQLite database (else
    #: ``./receipts``). Never served as static files: only through the claim's permission check.
    receipts_dir: str = ""
    receipt_max_bytes: int = DEFAULT_RECEIPT_MAX_BYTES
    #: Mail: the outbox is sent through this SMTP server; with no host, nothing is sent (the outbox
    #: still fills and the digest is read on its page).
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_timeout_seconds: int = 30
    #: The sender (and the ORGANIZER of meeting invitations); empty: no-reply at the site's host.
    mail_from: str = ""
    #: F1–F8: the daily sweep is scheduled inside the web app's process ("app"), in a process of its own
    #: ("process": ``nesa-collab scheduler``; the web app starts none) or nowhere ("off": cron runs
    #: ``nesa-collab sweep``). Every process may carry one: a lease lets one sweep run per day.
    scheduler: str = "app"
    #: F1–F8: when the daily sweep runs, HH:MM in the network's zone.
    sweep_time: str = "06:00"
    #: The reverse proxies in front of ``nesa-collab serve``: only from these is a client's address
    #: taken from ``X-Forwarded-For`` (the sign-in throttle counts by it). Empty: from none.
    trusted_proxies: str = ""
    #: argon2 cost; tests lower it so that hashing many passwords stays fast.
    password_time_cost: int = 3
    password_memory_cost: int = 65536

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.network_time_zone)

    @property
    def sweep_hour_minute(self) -> tuple[int, int]:
        """``sweep_time`` as (hour, minute)."""
        hour, _, minute = self.sweep_time.partition(":")
        return int(hour), int(minute)

    @property
    def receipts_path(self) -> Path:
        """S3: the folder receipts are stored in (see ``receipts_dir``)."""
        if self.receipts_dir:
            return Path(self.receipts_dir)
        database = sqlite_path(self.database_url)
        return (database.parent if database is not None else Path(".")) / "receipts"

    @property
    def mail_configured(self) -> bool:
        """Whether the outbox is sent (an SMTP host is set)."""
        return bool(self.smtp_host)

    @property
    def mail_sender(self) -> tuple[str, str]:
        """The sender's display name and address: ``NESA_MAIL_FROM``, else the network's name at
        ``no-reply@`` the site's host."""
        name, address = parseaddr(self.mail_from)
        if address:
            return name or self.network_name, address
        return self.network_name, f"no-reply@{urlsplit(self.base_url).hostname or 'localhost'}"

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    def check(self) -> "Settings":
        """Refuse configurations that are unsafe or unusable."""
        if self.env not in ("development", "production", "test"):
            raise SettingsError(f"NESA_ENV must be development or production, not {self.env!r}")
        if self.is_production and self.secret_key == DEFAULT_SECRET_KEY:
            raise SettingsError("NESA_SECRET_KEY must be set to a long random value in production")
        if self.is_production and len(self.secret_key) < 32:
            raise SettingsError("NESA_SECRET_KEY must be at least 32 characters in production")
        try:
            ZoneInfo(self.network_time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingsError(f"NESA_TIME_ZONE {self.network_time_zone!r} is not an IANA zone") from exc
        if not 1 <= self.school_year_start_month <= 12:
            raise SettingsError("NESA_SCHOOL_YEAR_START_MONTH must be 1-12")
        if self.plan_stale_months < 1:
            raise SettingsError("NESA_PLAN_STALE_MONTHS must be at least 1")
        if not 1024 <= self.receipt_max_bytes <= 100 * 1024 * 1024:
            raise SettingsError("NESA_RECEIPT_MAX_BYTES must be between 1024 and 104857600 (100 MB)")
        if not 1 <= self.smtp_port <= 65535:
            raise SettingsError("NESA_SMTP_PORT must be 1-65535")
        if not 1 <= self.smtp_timeout_seconds <= 600:
            raise SettingsError("NESA_SMTP_TIMEOUT_SECONDS must be 1-600")
        if self.mail_from and "@" not in parseaddr(self.mail_from)[1]:
            raise SettingsError(f"NESA_MAIL_FROM {self.mail_from!r} is not an email address")
        if self.scheduler not in SCHEDULER_MODES:
            raise SettingsError(f"NESA_SCHEDULER must be one of {', '.join(SCHEDULER_MODES)}, not {self.scheduler!r}")
        if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", self.sweep_time):
            raise SettingsError(f"NESA_SWEEP_TIME must be a time of day as HH:MM, not {self.sweep_time!r}")
        receipts = self.receipts_path.resolve()
        for served in (TEMPLATES_DIR, STATIC_DIR):
            if receipts == served.resolve() or served.resolve() in receipts.parents:
                raise SettingsError(f"NESA_RECEIPTS_DIR must be outside the folders the site serves ({served})")
        return self

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        defaults = cls()
        values: dict[str, object] = {}
        for name, (var, _) in DOCUMENTED.items():
            raw = env.get(var, "")
            if raw == "":
                continue
            if isinstance(getattr(defaults, name), bool):
                values[name] = _boolean(var, raw)
            elif isinstance(getattr(defaults, name), int):
                try:
                    values[name] = int(raw)
                except ValueError as exc:
                    raise SettingsError(f"{var} must be a whole number, not {raw!r}") from exc
            else:
                values[name] = raw
        return cls(**values).check()


def _boolean(var: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{var} must be true or false, not {raw!r}")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None for other databases and in-memory SQLite."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url[len(prefix):] not in ("", ":memory:"):
        return Path(url[len(prefix):])
    return None
