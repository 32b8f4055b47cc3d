"""The demo network's claims (S3): every state, a rejected one with its reason, paid ones with their
reference, each with a receipt in the receipts folder; the conferences carry their caps."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import select

from nesa_collab.db import Database
from nesa_collab.meetings.models import Conference
from nesa_collab.support.models import Claim
from nesa_collab.support.receipts import SIGNATURES, ReceiptStore


def test_seeded_claims_are_in_every_state_with_their_receipts(seeded):
    world, settings = seeded
    assert world.counts["claims"] == 8
    store = ReceiptStore.of(settings)
    database = Database(world.url)
    with database.session(write=False) as db:
        found = db.scalars(select(Claim)).unique().all()
        caps = {c.slug: (c.hotel_night_cap, c.hotel_cap_currency) for c in db.scalars(select(Conference))}
    database.dispose()
    assert Counter(c.status.value for c in found) == {"submitted": 3, "approved": 2, "paid": 2, "rejected": 1}
    assert all(c.payment_reference for c in found if c.status.value == "paid")
    assert [c.rejection_reason for c in found if c.status.value == "rejected"][0].startswith("The receipt is from")
    assert caps["sec-2027"] == (Decimal("145.00"), "USD") and caps["math-institute-2027"][1] == "AED"
    for claim in found:
        data = store.read(claim.receipt_file)
        assert len(data) == claim.receipt_size and any(data.startswith(magic) for magic, _, _ in SIGNATURES)
    assert {c.person.name for c in found}.isdisjoint({"Omar Khalil"})  # the demo Core member can still claim
