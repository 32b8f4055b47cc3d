"""M4: a Core's updates and proposals go to the DPL and Center staff (and the Executive Director and
PDAC); a Core member of another collaborative does not read them, on any page or in the API."""

from __future__ import annotations

from datetime import date

from nesa_collab.permissions import SYSTEM
from nesa_collab.auth.models import Role
from nesa_collab.network.models import Collaborative
from nesa_collab.plans import posts


def test_m4_a_core_member_of_another_collaborative_reads_only_their_own_cores_posts(world, factory, as_):
    math = factory.collaborative("Math")
    other = factory.educator(name="Samir Aziz")
    factory.core_member(other, math, date(2025, 8, 1), date(2027, 7, 31), today=date(2025, 7, 1))
    with world.database.transaction() as db:
        posts.create_post(db, SYSTEM, db.get(Collaborative, world.collab.id), kind="proposal",
                             title="Literacy secret proposal", body="For the DPL.")
        posts.create_post(db, SYSTEM, db.get(Collaborative, world.collab.id), kind="update",
                             title="Literacy update", body="News.")
        posts.create_post(db, SYSTEM, db.get(Collaborative, math.id), kind="proposal",
                             title="Math proposal", body="Ours.")

    client = as_(other)
    token = {"Authorization": f"Bearer {factory.token(other)}"}
    assert "Literacy secret proposal" not in client.get("/").text
    for text in (client.get("/plans/inbox").text, client.get("/api/v1/posts", headers=token).text,
                 client.get("/api/v1/posts?status=open", headers=token).text):
        assert "Math proposal" in text
        assert "Literacy secret proposal" not in text and "Literacy update" not in text
    assert [p["title"] for p in client.get("/api/v1/posts", headers=token).json()["items"]] == ["Math proposal"]
    assert client.get(f"/collaboratives/{world.collab.slug}/posts").status_code == 403
    assert client.get(f"/api/v1/collaboratives/{world.collab.slug}/posts", headers=token).status_code == 403

    # those who oversee every Core still read everything
    center = factory.person(Role.CENTER_STAFF)
    for person in (world.dpl, world.director, center):
        inbox = as_(person).get("/plans/inbox").text
        assert "Literacy secret proposal" in inbox and "Math proposal" in inbox
    # and the Core reads its own
    assert "Literacy secret proposal" in as_(world.core).get("/plans/inbox").text
    assert "Math proposal" not in as_(world.core).get("/plans/inbox").text
