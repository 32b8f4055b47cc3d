"""Receipts of hotel-night claims (S3): what is accepted (a PDF, JPEG or PNG, known by its first
bytes, at most a configured size) and where it is kept (a folder outside the web root, under a
random name), written only with the claim and removed again if the claim's transaction fails."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..errors import DomainError, NotFound
from ..settings import Settings

#: Each accepted type: its first bytes, its media type and the extension it is stored with. The
#: name and the type the browser declares are ignored: a renamed HTML page is still refused.
SIGNATURES = ((b"%PDF-", "application/pdf", "pdf"),
              (b"\xff\xd8\xff", "image/jpeg", "jpg"),
              (b"\x89PNG\r\n\x1a\n", "image/png", "png"))
EXTENSIONS = {media: ext for _, media, ext in SIGNATURES}
#: A stored name: 32 random hex digits and one of the extensions (never a path).
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(pdf|jpg|png)")
_PENDING = "support.receipts_written"


@dataclass(frozen=True)
class Receipt:
    """A receipt that passed the checks: its bytes, what they are, and the name it was sent with."""

    data: bytes
    media_type: str
    original_name: str

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.3g} MB"


def check_receipt(data: bytes | None, name: str | None, max_bytes: int) -> Receipt:
    """S3: the hotel's receipt, a PDF, JPEG or PNG of at most ``max_bytes``, recognized by its content."""
    if not data:
        raise DomainError("S3", "attach the hotel's receipt (a PDF, JPEG or PNG)", field="receipt")
    if len(data) > max_bytes:
        raise DomainError("S3", f"the receipt is {megabytes(len(data))}; at most {megabytes(max_bytes)} is accepted",
                          field="receipt")
    for magic, media_type, _ in SIGNATURES:
        if data.startswith(magic):
            return Receipt(data, media_type, _clean_name(name))
    raise DomainError("S3", "the receipt must be a PDF, JPEG or PNG file (this file's content is none of them, "
                      "whatever its name says)", field="receipt")


def _clean_name(name: str | None) -> str:
    """The uploaded name as shown to staff: its last path part, printable, at most 255 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:255] or "receipt"


@dataclass(frozen=True)
class ReceiptStore:
    """S3: the receipts folder (``NESA_RECEIPTS_DIR``) and the largest receipt accepted."""

    directory: Path
    max_bytes: int

    @classmethod
    def of(cls, settings: Settings) -> "ReceiptStore":
        return cls(settings.receipts_path, settings.receipt_max_bytes)

    def new_name(self, receipt: Receipt) -> str:
        """A fresh random name: the uploaded one is never used on disk."""
        return f"{secrets.token_hex(16)}.{EXTENSIONS[receipt.media_type]}"

    def path(self, stored_name: str) -> Path:
        if not STORED_NAME.fullmatch(stored_name or ""):
            raise NotFound()
        return self.directory / stored_name

    def write(self, db: Session, stored_name: str, receipt: Receipt) -> None:
        """Write the receipt under ``stored_name``, as part of ``db``'s transaction: the file is
        removed again if that transaction rolls back (the claim it belongs to was not kept)."""
        target = self.path(stored_name)
        self.directory.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(receipt.data)
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        _remove_on_rollback(db, target)

    def read(self, stored_name: str) -> bytes:
        try:
            return self.path(stored_name).read_bytes()
        except FileNotFoundError:
            raise NotFound() from None


def _remove_on_rollback(db: Session, path: Path) -> None:
    """Forget ``path`` when the session commits; delete it when the session's transaction rolls back."""
    pending = db.info.setdefault(_PENDING, [])
    if not pending and not event.contains(db, "after_commit", _kept):
        event.listen(db, "after_commit", _kept)
        event.listen(db, "after_soft_rollback", _undo)
    pending.append(path)


def _kept(db: Session) -> None:
    db.info.pop(_PENDING, None)


def _undo(db: Session, previous_transaction) -> None:
    # A savepoint rolling back inside the transaction does not undo it; only the outermost one does.
    if previous_transaction.parent is not None:
        return
    for path in db.info.pop(_PENDING, []):
        path.unlink(missing_ok=True)
