"""The two answers of claims that are files, for the pages and the API alike: a receipt (always a
download) and the finance office's CSV."""

from __future__ import annotations

from starlette.responses import Response

from .models import Claim
from .receipts import EXTENSIONS


def receipt_response(claim: Claim, data: bytes) -> Response:
    """S3: the receipt as a download, with the type found from its content when it was accepted; the
    browser is told not to guess another type nor to run anything in it."""
    filename = f"claim-{claim.id}-receipt.{EXTENSIONS[claim.receipt_type]}"
    return Response(data, media_type=claim.receipt_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    })


def csv_response(text: str, filename: str) -> Response:
    """A CSV file to save (UTF-8 with a byte-order mark, which spreadsheets need to read accents)."""
    return Response("\ufeff" + text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"})
