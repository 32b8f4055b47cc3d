"""The one error type of the domain, and the few that the web boundary maps to 401/403/404."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FieldError:
    field: str
    message: str
    rule: str | None = None


class DomainError(Exception):
    """A rule refused an action. Carries the rule ID (``C2``), the field at fault and a message.

    ``errors`` may list several field errors (input validation); the first one is the headline.
    """

    status = 422

    def __init__(self, rule: str | None, message: str, field: str | None = None,
                 errors: list[FieldError] | None = None):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.field = field
        self.errors = errors or ([FieldError(field, message, rule)] if field else [])

    def __str__(self) -> str:  # "C2: an active Core has at most 8 members ..."
        return f"{self.rule}: {self.message}" if self.rule else self.message

    def field_messages(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for e in self.errors:
            text = f"{e.rule}: {e.message}" if e.rule else e.message
            out.setdefault(e.field, text)
        return out


class NotFound(Exception):
    """The thing asked for does not exist (or may not be revealed to this person)."""

    status = 404


class PermissionDenied(Exception):
    """The person is signed in but their roles do not allow this."""

    status = 403

    def __init__(self, message: str = "You are not allowed to do this."):
        super().__init__(message)
        self.message = message


class SignInRequired(Exception):
    status = 401
