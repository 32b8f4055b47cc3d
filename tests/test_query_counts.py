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


# --- every list pages in SQL: the same statements with a handful of rows and with more than 500 ----------

def bulk_grow(database, n: int, tag: str) -> None:
    """``n`` schools, people (each a member of a collaborative), collaboratives, audit entries, meetings
    and conferences, inserted in bulk (the rules are not what is measured): more than 500 of each makes
    any list that loads every parent use more than one batch of ``selectinload`` (500 ids)."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import insert, select

    from nesa_collab.audit.models import AuditEntry
    from nesa_collab.auth.models import Person, PersonRole
    from nesa_collab.meetings.models import Conference, Meeting
    from nesa_collab.network.models import Collaborative, Membership, School

    start = datetime(2030, 1, 7, 9, 0)
    with database.transaction() as db:
        db.execute(insert(School), [{"slug": f"{tag}-school-{i}", "name": f"{tag} School {i}", "city": "Town",
                                     "country": ("Kenya", "India", "Nepal")[i % 3], "time_zone": "UTC"}
                                    for i in range(n)])
        schools = list(db.scalars(select(School.id).where(School.slug.like(f"{tag}-school-%"))))
        db.execute(insert(Collaborative), [{"slug": f"{tag}-collab-{i}", "name": f"{tag} Collab {i}",
                                            "kind": "discipline", "status": "active",
                                            "activated_on": date(2020, 8, 1)} for i in range(n)])
        collabs = list(db.scalars(select(Collaborative.id).where(Collaborative.slug.like(f"{tag}-collab-%"))))
        db.execute(insert(Person), [{"name": f"{tag} Person {i}", "email": f"{tag}{i}@example.org",
                                     "school_id": schools[i % len(schools)]} for i in range(n)])
        people = list(db.scalars(select(Person.id).where(Person.email.like(f"{tag}%@example.org"))))
        db.execute(insert(PersonRole), [{"person_id": p, "role": "member"} for p in people])
        db.execute(insert(Membership), [{"person_id": p, "collaborative_id": collabs[i % len(collabs)],
                                         "joined_on": date(2024, 9, 1)} for i, p in enumerate(people)])
        db.execute(insert(AuditEntry), [{"action": "test.bulk", "subject_type": "test", "subject_id": i,
                                         "summary": f"{tag} {i}", "collaborative_id": collabs[i % len(collabs)],
                                         "actor_id": people[i]} for i in range(n)])
        rows = []
        for i in range(n):
            local = start + timedelta(days=i)
            at = local.replace(tzinfo=timezone.utc)
            rows.append({"collaborative_id": collabs[i % len(collabs)], "title": f"{tag} meeting {i}",
                         "mode": "virtual", "status": "published", "time_zone": "UTC", "local_start": local,
                         "local_end": local + timedelta(hours=1), "starts_at": at, "ends_at": at + timedelta(hours=1),
                         "last_ends_at": at + timedelta(hours=1), "join_url": "https://meet.example.org/x"})
        db.execute(insert(Meeting), rows)
        db.execute(insert(Conference), [{"slug": f"{tag}-conf-{i}", "name": f"{tag} Conference {i}",
                                         "starts_on": date(2030, 1, 1) + timedelta(days=i),
                                         "ends_on": date(2030, 1, 2) + timedelta(days=i), "city": "Town",
                                         "time_zone": "UTC"} for i in range(n)])


LIST_URLS = ["/collaboratives", "/collaboratives?status=all&page=2", "/collaboratives?country=Kenya&kind=discipline",
             "/api/v1/collaboratives", "/api/v1/collaboratives?q=collab&page=3", "/people", "/people?country=India&page=2",
             "/api/v1/people?role=member", "/schools", "/schools?country=Nepal", "/api/v1/schools", "/audit",
             "/audit?action=test.", "/api/v1/audit", "/meetings", "/meetings?mode=virtual&page=2", "/api/v1/meetings",
             "/conferences", "/api/v1/conferences", "/people/new"]


def test_every_list_pages_in_sql_with_the_same_statements_beyond_500_rows(factory, as_, count_queries, database):
    d = as_(factory.dpl())
    bulk_grow(database, 3, "small")
    small = {u: measure(count_queries, d, u) for u in LIST_URLS}
    bulk_grow(database, 620, "large")
    large = {u: measure(count_queries, d, u) for u in LIST_URLS}
    assert large == small
    # a page never loads more than one page of parents
    assert len(d.get("/collaboratives").context["entries"]) == 25
    assert len(d.get("/api/v1/collaboratives").json()["items"]) == 50
    assert len(d.get("/audit").context["page"].items) == 50
    assert len(d.get("/meetings").context["rows"]) == 25
    assert len(d.get("/people").context["page"].items) == 50
    assert "large School 7" not in d.get("/people/new").text
