"""The one error type of the domain, and the few that the web boundary maps to 401/403/404; where a
rule ID is put before a message (``with_rule``), and input refusals in plain words (``plain_message``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


def without_rule(rule: str | None, message: str) -> str:
    """``message`` without a leading "<rule>: " (a message that names its own rule is not named twice)."""
    if rule:
        return re.sub(rf"^(?:{re.escape(rule)}:\s*)+", "", message)
    return message


def with_rule(rule: str | None, message: str) -> str:
    """The one place a rule ID goes before a message: "C2: an active Core has ..." — once, even when the
    message already began with it."""
    message = without_rule(rule, message)
    return f"{rule}: {message}" if rule else message


@dataclass
class FieldError:
    field: str
    message: str
    rule: str | None = None

    def __post_init__(self) -> None:
        self.message = without_rule(self.rule, self.message)


class DomainError(Exception):
    """A rule refused an action. Carries the rule ID (``C2``), the field at fault and a message.

    ``errors`` may list several field errors (input validation); the first one is the headline.
    """

    status = 422

    def __init__(self, rule: str | None, message: str, field: str | None = None,
                 errors: list[FieldError] | None = None):
        message = without_rule(rule, message)
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.field = field
        self.errors = errors or ([FieldError(field, message, rule)] if field else [])

    def __str__(self) -> str:  # "C2: an active Core has at most 8 members ..."
        return with_rule(self.rule, self.message)

    def field_messages(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for e in self.errors:
            out.setdefault(e.field, with_rule(e.rule, e.message))
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


# --- input refusals in plain words ------------------------------------------------------------------

_NUMBER = "{label} must be a number."
_WHOLE = "{label} must be a whole number."
_DECIMAL = "{label} must be a number, such as 120.50."
_DATE = "{label} must be a date, such as 2027-08-01."
_DATETIME = "{label} must be a date and time, such as 2027-08-01T16:00."
_TIME = "{label} must be a time, such as 16:00."
_URL = "{label} must be a web address, such as https://example.org."
_CHOICE = "{label} must be one of {expected}."

#: What each kind of schema refusal (pydantic's error types) says, naming the field by its label; the
#: context values (``{max_length}``, ``{ge}``, ...) are pydantic's. Refusals of our own validators
#: (``value_error``) keep their own words.
PLAIN_MESSAGES: dict[str, str] = {
    "missing": "{label} is required.",
    "string_too_short": "{label} must be at least {min_length} characters.",
    "string_too_long": "{label} must be at most {max_length} characters.",
    "string_type": "{label} must be text.",
    "string_pattern_mismatch": "{label} is not in the expected form.",
    "int_parsing": _WHOLE, "int_type": _WHOLE, "int_from_float": _WHOLE, "int_parsing_size": _WHOLE,
    "float_parsing": _NUMBER, "float_type": _NUMBER, "finite_number": _NUMBER,
    "decimal_parsing": _DECIMAL, "decimal_type": _DECIMAL,
    "decimal_max_digits": "{label} may have at most {max_digits} digits.",
    "decimal_max_places": "{label} may have at most {decimal_places} decimal places.",
    "decimal_whole_digits": "{label} may have at most {whole_digits} digits before the point.",
    "greater_than": "{label} must be more than {gt}.",
    "greater_than_equal": "{label} must be at least {ge}.",
    "less_than": "{label} must be less than {lt}.",
    "less_than_equal": "{label} must be at most {le}.",
    "multiple_of": "{label} must be a multiple of {multiple_of}.",
    "date_parsing": _DATE, "date_from_datetime_parsing": _DATE, "date_from_datetime_inexact": _DATE,
    "date_type": _DATE,
    "datetime_parsing": _DATETIME, "datetime_from_date_parsing": _DATETIME, "datetime_type": _DATETIME,
    "datetime_object_invalid": _DATETIME,
    "time_parsing": _TIME, "time_type": _TIME,
    "enum": _CHOICE, "literal_error": _CHOICE,
    "bool_parsing": "{label} must be yes or no.", "bool_type": "{label} must be yes or no.",
    "url_parsing": _URL, "url_scheme": _URL, "url_type": _URL, "url_syntax_violation": _URL,
    "url_too_long": "{label} must be at most {max_length} characters.",
    "too_short": "{label} needs at least {min_length} items.",
    "too_long": "{label} takes at most {max_length} items.",
    "list_type": "{label} must be a list.",
    "dict_type": "{label} must be an object.", "model_type": "{label} must be an object.",
    "model_attributes_type": "{label} must be an object.",
    "extra_forbidden": "{label} is not something this takes.",
    "json_invalid": "The body is not valid JSON.",
}


def plain_message(kind: str, label: str, ctx: dict[str, Any] | None, default: str) -> str:
    """A schema's refusal of one field in plain words naming its ``label`` ("Title is required.",
    "Minutes must be a whole number."), by the refusal's ``kind`` (``PLAIN_MESSAGES``); our own
    validators' messages (``value_error``) as they are; otherwise pydantic's ``default`` after the label."""
    ctx = dict(ctx or {})
    if kind in ("value_error", "assertion_error"):
        return default.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        kind = "missing"  # an empty text field
    template = PLAIN_MESSAGES.get(kind)
    if template is None:
        return f"{label}: {default[:1].lower()}{default[1:]}."
    text = template.format_map(_Context(ctx, label=label))
    return text.replace(" 1 characters", " 1 character").replace(" 1 items", " 1 item")


class _Context(dict):
    """Format values that tolerate a context key pydantic did not give (left as it was written)."""

    def __init__(self, ctx: dict[str, Any], **more: Any):
        # 0.0 → 0: a bound written as a whole number reads as one
        super().__init__({k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in ctx.items()},
                         **more)

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
