"""A1: the audit log reads a page at a time by keyset (``?before=<id>`` / ``?after=<id>``), with its
filters kept in the links, and its filters name a person by email and a collaborative by slug
instead of listing every person and collaborative."""

from __future__ import annotations

from sqlalchemy import insert

from nesa_collab.audit.models import AuditEntry
from nesa_collab.clock import now_utc

from ..conftest import post_form


def add_entries(database, count: int, **values) -> list[int]:
    """``count`` entries recorded by the system, oldest first (bulk: the rules are not what is tested)."""
    with database.transaction() as db:
        first = (db.query(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1).scalar() or 0) + 1
        db.execute(insert(AuditEntry), [
            {"id": first + n, "at": now_utc(), "action": values.get("action", "test.thing"), "subject_type": "test",
             "subject_id": n, "summary": f"Entry {n}", "collaborative_id": values.get("collaborative_id"),
             "actor_id": values.get("actor_id")} for n in range(count)])
    return list(range(first, first + count))


def summaries(response) -> list[str]:
    return [e.summary for e in response.context["page"].items]


def test_a1_the_log_pages_by_keyset_newest_first_and_keeps_its_filters_in_the_links(factory, as_, database):
    d = as_(factory.dpl())
    ids = add_entries(database, 120, action="test.thing")
    first = d.get("/audit", params={"action": "test."})
    assert summaries(first) == [f"Entry {n}" for n in range(119, 69, -1)]
    older = first.context["older_url"]
    assert older == f"/audit?action=test.&before={ids[70]}" and first.context["newer_url"] is None
    second = d.get(older)
    assert summaries(second) == [f"Entry {n}" for n in range(69, 19, -1)]
    third = d.get(second.context["older_url"])
    assert summaries(third) == [f"Entry {n}" for n in range(19, -1, -1)] and third.context["older_url"] is None
    back = d.get(third.context["newer_url"])
    assert summaries(back) == summaries(second)
    assert 'rel="next"' in second.text and 'rel="prev"' in second.text and "Newest" in second.text


def test_a1_the_log_filters_by_email_and_slug_without_listing_everyone(factory, as_, database):
    dpl = factory.dpl(email="maya@example.org")
    lit = factory.collaborative("Literacy")
    factory.collaborative("Math")
    d = as_(dpl)
    post_form(d, f"/collaboratives/{lit.slug}/norms/edit", {"text": "Literacy norms"})
    page = d.get("/audit", params={"person": "MAYA@example.org"})
    assert summaries(page) == ["Updated the norms of Literacy"]
    by_slug = d.get("/audit", params={"collaborative": lit.slug})
    assert summaries(by_slug) and all(e.collaborative_id == lit.id for e in by_slug.context["page"].items)
    assert summaries(d.get("/audit", params={"collaborative": "no-such-thing"})) == []
    assert "Nothing recorded for these filters." in d.get("/audit", params={"person": "nobody@example.org"}).text
    assert "<option" not in page.text.split('class="filters"')[1].split("</form>")[0]


def test_a1_the_log_api_pages_by_keyset_with_next_and_previous(factory, as_, database):
    d = as_(factory.dpl())
    ids = add_entries(database, 60, action="api.thing")
    body = d.get("/api/v1/audit", params={"action": "api."}).json()
    assert [e["id"] for e in body["items"]] == ids[::-1][:50] and body["previous"] is None
    assert body["next"] == f"/api/v1/audit?action=api.&before={ids[10]}"
    rest = d.get(body["next"]).json()
    assert [e["id"] for e in rest["items"]] == ids[9::-1] and rest["next"] is None
    assert rest["previous"] == f"/api/v1/audit?action=api.&after={ids[9]}"
    spec = d.get("/api/v1/openapi.json").json()
    params = {p["name"] for p in spec["paths"]["/audit"]["get"]["parameters"]}
    assert {"before", "after", "person", "collaborative", "action"} <= params


def test_a1_entries_recorded_for_past_days_take_their_place_by_time_on_every_page(factory, as_, database):
    """The demo's history is recorded after the fact, each entry on its own past day: the log reads
    by time (then id), not in the order the rows were written, across keyset pages both ways."""
    from datetime import timedelta

    d = as_(factory.dpl())
    ids = add_entries(database, 70, action="past.thing")
    # Written in id order, dated in a shuffled order: entry n happened (n * 37 % 70) days ago.
    with database.transaction() as db:
        for n, entry_id in enumerate(ids):
            db.query(AuditEntry).filter(AuditEntry.id == entry_id).update(
                {"at": now_utc() - timedelta(days=(n * 37) % 70)})
    by_time = [f"Entry {n}" for n in sorted(range(70), key=lambda n: (n * 37) % 70)]
    first = d.get("/audit", params={"action": "past."})
    second = d.get(first.context["older_url"])
    assert summaries(first) + summaries(second) == by_time
    assert summaries(d.get(second.context["newer_url"])) == summaries(first)
