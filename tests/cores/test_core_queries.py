"""The Core dashboard and a Core page do not issue more queries as appointments grow."""

from __future__ import annotations

from datetime import date, datetime, timezone

from nesa_collab import clock

from ..test_query_counts import measure


def add_cores(factory, collabs, per_core: int):
    school = factory.school()
    for i, c in enumerate(collabs):
        for j in range(per_core):
            person = factory.educator(school, password=False)
            start = date(2024 + (j % 3), 8, 1)
            factory.core_member(person, c, start, date(start.year + 2, 7, 31), today=date(start.year, 7, 1))


def test_core_dashboard_and_core_page_queries_do_not_grow(factory, as_, count_queries):
    clock.freeze(datetime(2026, 11, 27, 9, tzinfo=timezone.utc))
    collabs = [factory.collaborative() for _ in range(2)]
    add_cores(factory, collabs, 2)
    dpl = as_(factory.dpl())
    urls = ["/cores", f"/collaboratives/{collabs[0].slug}/core", f"/collaboratives/{collabs[0].slug}/seats",
            "/", "/api/v1/cores", f"/collaboratives/{collabs[0].slug}"]
    small = [measure(count_queries, dpl, u) for u in urls]
    more = [factory.collaborative() for _ in range(4)]
    add_cores(factory, collabs + more, 6)
    large = [measure(count_queries, dpl, u) for u in urls]
    assert large == small, list(zip(urls, small, large))
