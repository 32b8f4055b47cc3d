"""Load the demo network's hotel-night claims from ``seed_data/claims.yaml`` (S3), in every state,
each with a small receipt made here (a one-page PDF or a tiny PNG) and written to the receipts
folder. Idempotent: a person's claim for a conference is left alone when present. Recorded on days
before the load day (``network.seed.told_on``): sent by the claimant, decided by Center staff."""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import Person, PersonRole, Role
from ..cores.services import load_actor
from ..meetings.models import Meeting
from ..network.models import Collaborative
from ..network.seed import acting, load_day, read_yaml, told_on
from ..settings import Settings
from . import claims
from .receipts import ReceiptStore


def sample_pdf(*lines: str) -> bytes:
    """A valid one-page PDF showing ``lines`` (ASCII), for demo and test receipts."""
    text = " ".join(f"({line.encode('ascii', 'replace').decode()}) Tj T*" for line in lines)
    stream = f"BT /F1 12 Tf 14 TL 72 720 Td {text} ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def sample_png(width: int = 8, height: int = 8) -> bytes:
    """A valid small grey PNG, for demo and test receipts."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xc0" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def load_claims(db: Session, seed_dir: Path, settings: Settings) -> dict[str, int]:
    counts = {"claims": 0}
    path = seed_dir / "claims.yaml"
    if not path.exists():
        return counts
    store = ReceiptStore.of(settings)
    #: Sent a week before the load day, decided four days later, paid two days before it.
    sent, decided, paid = (load_day(settings) - timedelta(days=n) for n in (8, 4, 2))
    staff = db.scalar(select(Person).join(PersonRole, PersonRole.person_id == Person.id)
                      .where(PersonRole.role == Role.CENTER_STAFF).order_by(Person.id).limit(1))
    center = acting(load_actor(db, staff, decided) if staff else None, "claim.decide")
    people = {p.email.lower(): p for p in db.scalars(select(Person))}
    meetings = {(m.collaborative.slug, m.title): m for m in db.scalars(
        select(Meeting).join(Collaborative, Collaborative.id == Meeting.collaborative_id)
        .where(Meeting.is_planning.is_(True)))}
    for row in read_yaml(path):
        person = people.get(row["person"].lower())
        meeting = meetings.get((row["collaborative"], row["meeting"]))
        if person is None or meeting is None or meeting.conference_id is None:
            continue
        if claims.claim_of(db, person.id, meeting.conference_id) is not None:
            continue
        hotel = meeting.conference.hotel or meeting.conference.city
        receipt = (sample_png() if row.get("receipt") == "png" else
                   sample_pdf(hotel, f"Guest: {person.name}", f"One night: {row['night_on']}",
                              f"Total: {row['amount']} {row['currency']}"))
        name = f"{hotel} receipt.{'png' if row.get('receipt') == 'png' else 'pdf'}"
        own = acting(load_actor(db, person, sent), "claim.submit")
        with told_on(sent, settings, 20):
            claim = claims.submit_claim(db, own, meeting, night_on=row["night_on"], amount=str(row["amount"]),
                                        currency=row["currency"], receipt=receipt, receipt_name=name, store=store,
                                        claimant=None if own.id == person.id else person)
        status = row.get("status", "submitted")
        with told_on(decided, settings, 11):
            if status in ("approved", "paid"):
                claims.approve(db, center, claim)
            if status == "rejected":
                claims.reject(db, center, claim, row["reason"])
        if status == "paid":
            with told_on(paid, settings, 15):
                claims.mark_paid(db, center, claim, row["reference"])
        counts["claims"] += 1
    return counts
