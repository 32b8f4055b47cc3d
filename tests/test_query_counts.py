"""Queries per page must not grow with the size of the network (no N+1)."""

from __future__ import annotations

from datetime import date

from nesa_collab.auth.models import Role



def grow_network(factory, schools: int, collabs: int, members_each: int):
    made_schools = [factory.school() for _ in range(schools)]
    made = [factory.collaborative() for _ in range(collabs)]
    for i, c in enumerate(made):
        for j in range(members_each):
            person = factory.educator(made_schools[(i + j) % schools], password=False)
            factory.member(person, c, date(2024, 9, 1))
    return made


def measure(count_queries, client, url: str) -> int:
    client.get(url)  # warm up (first-use caches)
    with count_queries() as counter:
        r = client.get(url)
        assert r.status_code == 200
    return counter.count


def test_directory_dashboard_and_collaborative_page_queries_do_not_grow(factory, as_, count_queries):
    school = factory.school()
    dpl = factory.dpl()
    coordinator = factory.educator(school, Role.MEMBER, Role.SCHOOL_COORDINATOR)
    first = grow_network(factory, schools=2, collabs=2, members_each=2)
    factory.member(coordinator, first[0])
    anon, d, coord = as_(), as_(dpl), as_(coordinator)
    urls = [(anon, "/collaboratives"), (anon, "/"), (d, "/"), (coord, "/"), (d, f"/collaboratives/{first[0].slug}"),
            (anon, "/api/v1/collaboratives"), (d, "/schools"), (d, "/people"), (d, "/audit"),
            (d, f"/collaboratives/{first[0].slug}/members"), (d, f"/schools/{school.slug}")]
    small = [measure(count_queries, c, u) for c, u in urls]

    more = grow_network(factory, schools=8, collabs=6, members_each=12)
    for c in more[:3]:
        factory.member(coordinator, c)
    large = [measure(count_queries, c, u) for c, u in urls]
    assert large == small, list(zip([u for _, u in urls], small, large))
