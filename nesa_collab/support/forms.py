"""How the claim form and the API's multipart body become service input (S3): the uploaded receipt's
bytes and name, and the form's defaults."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData, UploadFile

from ..meetings.models import Meeting
from .claims import claimable_nights, fmt

#: The part of the form (and of the API's multipart body) that carries the receipt.
RECEIPT_FIELD = "receipt"


def uploaded(form: FormData | None, max_bytes: int, name: str = RECEIPT_FIELD) -> tuple[bytes, str]:
    """The uploaded file's bytes (at most one more than ``max_bytes``: enough to refuse it as too
    large without reading it all) and the name it was sent with; empty when no file was sent."""
    value = form.get(name) if form is not None else None
    if not isinstance(value, UploadFile):
        return b"", ""
    # The handler runs in a worker thread, so the spooled file is read directly.
    value.file.seek(0)
    return value.file.read(max_bytes + 1), value.filename or ""


def claim_form(meeting: Meeting) -> dict[str, Any]:
    """S3: the claim form's defaults: the night of the meeting day, and the cap's currency."""
    conf = meeting.conference
    return {"night_on": claimable_nights(meeting)[1].isoformat(), "amount": "",
            "currency": (conf.hotel_cap_currency if conf is not None else None) or ""}


def night_choices(meeting: Meeting) -> list[tuple[str, str]]:
    """S3: the two nights one may claim, for the form's choice."""
    before, of_day = claimable_nights(meeting)
    return [(before.isoformat(), f"{fmt(before)} — the night before the meeting"),
            (of_day.isoformat(), f"{fmt(of_day)} — the night of the meeting day")]
