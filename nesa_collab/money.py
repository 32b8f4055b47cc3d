"""Money: exact decimals with a currency (S3). Amounts are ``Decimal`` in Python, ``Numeric(12, 2)``
in SQL and strings in JSON and forms; a float never carries one (0.1 has no exact binary form)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from annotated_types import MaxLen
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from .errors import DomainError

CENT = Decimal("0.01")
#: What ``Numeric(12, 2)`` holds: up to ten digits before the point, two after.
_AMOUNT = re.compile(r"\d{1,10}(\.\d{1,2})?")
_CURRENCY = re.compile(r"[A-Z]{3}")

#: An amount in a JSON answer: a string such as "145.00" (documented as such in OpenAPI).
MoneyOut = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.2f}", return_type=str, when_used="json"),
                     WithJsonSchema({"type": "string", "pattern": r"^\d{1,10}\.\d{2}$", "examples": ["145.00"]})]



def _text_only(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"S3: give the amount as a string such as \"145.00\", not the number {value!r}")
    return value


#: An amount as input (JSON or form): a string, read exactly by ``parse_amount`` in the service; a
#: JSON number is refused with S3 (it may already have lost its exact value in the sender's float).
AmountText = Annotated[str, BeforeValidator(_text_only), MaxLen(40),
                       WithJsonSchema({"type": "string", "pattern": r"^\d{1,10}(\.\d{1,2})?$", "maxLength": 40,
                                       "examples": ["145.00"]})]


def parse_amount(value: Any, *, field: str = "amount", rule: str = "S3") -> Decimal:
    """An exact amount with at most two decimal places, from a string such as ``"145.00"`` (or a
    ``Decimal``). Floats, exponents, signs, separators and more than two places are refused with the
    rule and the field, so a typing slip is never rounded into a different amount."""
    if isinstance(value, Decimal):
        try:
            if value.is_finite() and value >= 0 and value == value.quantize(CENT) and value < Decimal("1e10"):
                return value.quantize(CENT)
        except InvalidOperation:
            pass
    elif isinstance(value, str) and _AMOUNT.fullmatch(value.strip()):
        return Decimal(value.strip()).quantize(CENT)
    if isinstance(value, (float, int)) and not isinstance(value, bool):
        raise DomainError(rule, f"give the amount as a string such as \"145.00\", not the number {value!r}",
                          field=field)
    raise DomainError(rule, f"{_shown(value)} is not an amount: give digits with at most two decimal places, "
                      "such as 145.00", field=field)


def parse_currency(value: Any, *, field: str = "currency", rule: str = "S3") -> str:
    """An ISO 4217 currency code: three letters (``usd`` is read as ``USD``)."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if not _CURRENCY.fullmatch(code):
        raise DomainError(rule, f"{_shown(value)} is not a currency: give its three-letter ISO 4217 code, such as USD",
                          field=field)
    return code


def format_money(amount: Decimal | None, currency: str | None) -> str:
    """``145.00 USD`` (an empty string for no amount)."""
    return "" if amount is None else f"{amount:.2f} {currency or ''}".strip()


def _shown(value: Any) -> str:
    text = "nothing" if value is None or value == "" else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
