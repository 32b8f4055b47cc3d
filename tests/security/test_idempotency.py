"""Issue 13: a retried API write with the same Idempotency-Key gets the first answer, not a second change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from nesa_collab import clock
from nesa_collab.audit.models import AuditEntry
from nesa_collab.idempotency import store

from ..test_api import bearer

MATH = {"name": "Math", "kind": "discipline", "slug": "math"}


def created(database) -> list[str]:
    """The collaboratives created, as the audit log has them."""
    with database.session(write=False) as db:
        return list(db.scalars(select(AuditEntry.summary).where(AuditEntry.action == "collaborative.create")))


def test_a_write_retried_after_its_answer_was_lost_is_not_made_twice(factory, client, database):
    h = {**bearer(factory, factory.dpl()), "Idempotency-Key": "5f1c-create-math"}
    first = client.post("/api/v1/collaboratives", json=MATH, headers=h)
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/collaboratives", json=MATH, headers=h)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert len(created(database)) == 1
    # Without a key the same write is made again, and refused by the rule (K1: the slug is taken).
    h.pop("Idempotency-Key")
    assert client.post("/api/v1/collaboratives", json=MATH, headers=h).status_code == 422


def test_a_key_used_again_for_another_request_is_refused(factory, client, database):
    h = {**bearer(factory, factory.dpl()), "Idempotency-Key": "k-1"}
    assert client.post("/api/v1/collaboratives", json=MATH, headers=h).status_code == 201
    r = client.post("/api/v1/collaboratives", json={**MATH, "slug": "maths", "name": "Maths"}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "Idempotency-Key"
    assert len(created(database)) == 1


def test_a_refused_write_is_not_kept_so_its_retry_runs(factory, client):
    h = {**bearer(factory, factory.dpl()), "Idempotency-Key": "k-2"}
    assert client.post("/api/v1/collaboratives", json={"name": "", "kind": "discipline"}, headers=h).status_code == 422
    assert client.post("/api/v1/collaboratives", json={"name": "", "kind": "discipline"}, headers=h).status_code == 422


def test_keys_belong_to_one_person_and_live_a_day(factory, client):
    dpl, other_dpl = factory.dpl(), factory.dpl()
    h = {**bearer(factory, dpl), "Idempotency-Key": "same"}
    assert client.post("/api/v1/collaboratives", json=MATH, headers=h).status_code == 201
    other = {**bearer(factory, other_dpl), "Idempotency-Key": "same"}
    science = {"name": "Science", "kind": "discipline", "slug": "science"}
    assert client.post("/api/v1/collaboratives", json=science, headers=other).status_code == 201
    clock.freeze(clock.now_utc() + timedelta(hours=25))
    r = client.post("/api/v1/collaboratives", json=MATH, headers=h)
    assert r.status_code == 422 and "idempotent-replayed" not in r.headers  # made again: K1 refuses it


@pytest.mark.parametrize("key", ["", " ", "x" * 256])
def test_a_key_that_cannot_be_kept_is_refused(factory, client, database, key):
    h = {**bearer(factory, factory.dpl()), "Idempotency-Key": key}
    r = client.post("/api/v1/collaboratives", json=MATH, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "Idempotency-Key"
    assert created(database) == []


def test_two_racing_requests_with_one_key_cannot_both_be_kept(factory, database):
    """The database's unique key decides a race: the loser's transaction (its change too) rolls back."""
    dpl = factory.dpl()
    with database.transaction() as db:
        store(db, dpl.id, "race", "a" * 64, 201, "application/json", b"{}")
    with pytest.raises(IntegrityError):
        with database.transaction() as db:
            store(db, dpl.id, "race", "a" * 64, 201, "application/json", b"{}")
