"""K1: the directory pages in SQL, 25 a page, with the filters a Director uses (kind, status, a school
or a country taking part) and a search; the API takes the same filters."""

from __future__ import annotations

from datetime import date

from nesa_collab.auth.models import Role


def names(response) -> list[str]:
    return [e.collaborative.name for e in response.context["entries"]]


def test_k1_the_directory_shows_25_a_page_by_name_and_keeps_the_filters_in_its_links(factory, client):
    for n in range(30):
        factory.collaborative(f"Collab {n:02d}", kind="responsibility" if n % 3 == 0 else "discipline")
    first = client.get("/collaboratives")
    assert names(first) == [f"Collab {n:02d}" for n in range(25)]
    assert first.context["page"].total == 30 and "Page 1 of 2" in first.text
    second = client.get("/collaboratives", params={"page": 2})
    assert names(second) == [f"Collab {n:02d}" for n in range(25, 30)]
    kind = client.get("/collaboratives", params={"kind": "responsibility", "q": "collab"})
    assert names(kind) == [f"Collab {n:02d}" for n in range(0, 30, 3)]
    assert kind.context["page"].total == 10
    many = client.get("/collaboratives", params={"q": "collab"})
    assert 'href="/collaboratives?q=collab&amp;page=2"' in many.text


def test_k1_the_directory_filters_by_a_school_or_a_country_taking_part_and_searches_names(factory, client):
    delhi = factory.school("Delhi Public", country="India")
    nairobi = factory.school("Nairobi Academy", city="Nairobi", country="Kenya", time_zone="Africa/Nairobi")
    reading, math, art = (factory.collaborative(n) for n in ("Reading", "Mathematics", "Art"))
    factory.member(factory.educator(delhi, password=False), reading)
    factory.member(factory.educator(nairobi, password=False), math)
    factory.member(factory.educator(nairobi, password=False), reading)
    assert names(client.get("/collaboratives", params={"school": delhi.slug})) == ["Reading"]
    assert names(client.get("/collaboratives", params={"school": nairobi.slug})) == ["Mathematics", "Reading"]
    assert names(client.get("/collaboratives", params={"country": "Kenya"})) == ["Mathematics", "Reading"]
    assert names(client.get("/collaboratives", params={"school": "nowhere"})) == []
    assert names(client.get("/collaboratives", params={"q": "MATH"})) == ["Mathematics"]
    page = client.get("/collaboratives", params={"country": "India"})
    assert names(page) == ["Reading"] and '<option value="Kenya"' in page.text
    assert "2 members" in page.text and "Delhi Public (New Delhi)" in page.text
    assert "No collaboratives match." in client.get("/collaboratives", params={"q": "zzz"}).text
    assert art.slug in client.get("/collaboratives").text


def test_k1_visitors_see_active_collaboratives_only_and_the_dpl_every_status(factory, client, as_):
    factory.collaborative("Active one")
    factory.collaborative("Forming one", status="forming")
    factory.collaborative("Retired one", status="retired")
    assert names(client.get("/collaboratives", params={"status": "all"})) == ["Active one"]
    d = as_(factory.dpl())
    assert names(d.get("/collaboratives", params={"status": "all"})) == ["Active one", "Forming one", "Retired one"]
    assert names(d.get("/collaboratives", params={"status": "retired"})) == ["Retired one"]


def test_k1_the_directory_api_pages_in_sql_with_the_same_filters(factory, client):
    school = factory.school("Hill School", country="Nepal", time_zone="Asia/Kathmandu")
    for n in range(55):
        factory.collaborative(f"Group {n:02d}")
    joined = factory.collaborative("Zeta")
    factory.member(factory.educator(school, password=False), joined, date(2024, 9, 1))
    body = client.get("/api/v1/collaboratives", params={"page": 2}).json()
    assert (body["total"], body["pages"], body["page"]) == (56, 2, 2)
    assert [e["collaborative"]["name"] for e in body["items"]] == [f"Group {n:02d}" for n in range(50, 55)] + ["Zeta"]
    only = client.get("/api/v1/collaboratives", params={"country": "nepal"}).json()
    assert [e["collaborative"]["name"] for e in only["items"]] == ["Zeta"]
    assert only["items"][0]["member_count"] == 1 and only["items"][0]["schools"][0]["slug"] == school.slug
    assert client.get("/api/v1/collaboratives", params={"school": school.slug, "q": "zet"}).json()["total"] == 1


def test_k1_the_directory_filters_are_documented_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json()
    params = {p["name"] for p in spec["paths"]["/collaboratives"]["get"]["parameters"]}
    assert {"q", "kind", "status", "school", "country", "page"} <= params


def test_k1_a_coordinator_sees_only_active_collaboratives_in_the_directory(factory, as_):
    school = factory.school()
    factory.collaborative("Forming", status="forming")
    coordinator = factory.educator(school, Role.MEMBER, Role.SCHOOL_COORDINATOR)
    assert names(as_(coordinator).get("/collaboratives", params={"status": "forming"})) == []


def test_k1_the_home_page_names_six_collaboratives_one_could_join_and_leads_to_the_rest(factory, as_):
    member = factory.educator(factory.school())
    made = [factory.collaborative(f"Collab {i:02d}") for i in range(6)]
    home = as_(member).get("/").text
    assert all(c.name in home for c in made) and "More in the directory" not in home
    factory.collaborative("Collab 06")
    home = as_(member).get("/").text
    assert "Collab 06" not in home and "More in the directory of collaboratives" in home
