"""The sign-in throttle: guessing slows down, per account and per address, and no one is shut out.

Each failed sign-in is a row (``SignInAttempt``), so every process sees the same counts. Past a
number of free failures in the window, the next attempt must wait: one second, twice as long after
each further failure, up to a ceiling. Three counts, each with its own ceiling:

- one account from one address (someone guessing a password): after ``sign_in_max_failures``,
  up to the whole window;
- one account from anywhere (guessing spread over many addresses), and one address for any account
  (a school behind one NAT address is many people): only after four times as many, and never more
  than a minute, so the owner elsewhere and colleagues sharing the address are slowed, not shut out.

An attempt made while waiting is refused without looking at the password and is not counted:
hammering does not lengthen the wait. A successful sign-in starts the account's counts afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clock import now_utc
from ..settings import Settings
from .models import SignInAttempt

#: The account (from anywhere) and the address (for anyone) have this many times the free failures.
SHARED_FACTOR = 4
#: The longest the account from anywhere, or the address for anyone, waits between attempts.
SHARED_MAX_WAIT = timedelta(minutes=1)


@dataclass(frozen=True)
class Failures:
    count: int
    last: datetime | None


def _failures(db: Session, since: datetime, *where) -> Failures:
    count, last = db.execute(select(func.count(), func.max(SignInAttempt.at)).where(
        SignInAttempt.at >= since, SignInAttempt.succeeded.is_(False), *where)).one()
    return Failures(count, last)


def _backoff(failures: Failures, free: int, longest: timedelta, now: datetime) -> timedelta:
    """How long is left to wait after ``failures`` when ``free`` of them cost nothing: one second
    after the first over, doubling with each further one, at most ``longest``."""
    over = failures.count - free
    if over < 0 or failures.last is None:
        return timedelta(0)
    wait = min(timedelta(seconds=2 ** min(over, 20)), longest)
    return max(failures.last + wait - now, timedelta(0))


def wait_before_attempt(db: Session, email: str, ip: str | None, settings: Settings) -> timedelta:
    """How long this sign-in must still wait: the longest of the three counts' waits."""
    now = now_utc()
    window = timedelta(minutes=settings.sign_in_window_minutes)
    since = now - window
    last_success = db.scalar(select(func.max(SignInAttempt.at)).where(
        SignInAttempt.email == email, SignInAttempt.succeeded.is_(True), SignInAttempt.at >= since))
    account_since = max(since, last_success) if last_success else since
    free = settings.sign_in_max_failures
    pair = _failures(db, account_since, SignInAttempt.email == email, SignInAttempt.ip.is_not_distinct_from(ip))
    account = _failures(db, account_since, SignInAttempt.email == email)
    address = _failures(db, since, SignInAttempt.ip.is_not_distinct_from(ip))
    return max(_backoff(pair, free, window, now),
               _backoff(account, SHARED_FACTOR * free, SHARED_MAX_WAIT, now),
               _backoff(address, SHARED_FACTOR * free, SHARED_MAX_WAIT, now))


def record(db: Session, email: str, ip: str | None, succeeded: bool) -> None:
    db.add(SignInAttempt(email=email, ip=ip, succeeded=succeeded))


def seconds(wait: timedelta) -> int:
    """A wait as whole seconds, rounded up (for the message and ``Retry-After``)."""
    return max(1, -int(-wait.total_seconds() // 1))
