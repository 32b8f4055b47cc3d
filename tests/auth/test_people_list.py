"""N3: the people list pages in SQL with the filters staff use (role, school, country) and a search of
names and emails; the person form names the home school by its short name, never listing every school."""

from __future__ import annotations

from nesa_collab.auth.models import Role

from ..conftest import post_form


def names(response) -> list[str]:
    return [p.name for p in response.context["page"].items]


def test_n3_people_page_50_at_a_time_filtered_by_role_school_and_country(factory, as_):
    delhi = factory.school("Delhi Public", country="India")
    nairobi = factory.school("Nairobi Academy", city="Nairobi", country="Kenya", time_zone="Africa/Nairobi")
    for n in range(55):
        factory.educator(delhi, name=f"Teacher {n:02d}", password=False)
    factory.educator(nairobi, Role.MEMBER, Role.SCHOOL_COORDINATOR, name="Wanjiru Kamau",
                     email="wanjiru@nairobi.example.org", password=False)
    d = as_(factory.dpl(name="Maya Haddad"))
    first = d.get("/people", params={"school": delhi.slug})
    assert names(first) == [f"Teacher {n:02d}" for n in range(50)] and first.context["page"].total == 55
    second = d.get("/people", params={"school": delhi.slug, "page": 2})
    assert names(second) == [f"Teacher {n:02d}" for n in range(50, 55)]
    assert f'href="/people?school={delhi.slug}&amp;page=2"' in first.text
    assert names(d.get("/people", params={"country": "Kenya"})) == ["Wanjiru Kamau"]
    assert names(d.get("/people", params={"role": "school_coordinator"})) == ["Wanjiru Kamau"]
    assert names(d.get("/people", params={"q": "NAIROBI.example"})) == ["Wanjiru Kamau"]
    assert names(d.get("/people", params={"q": "teacher 0", "country": "India"}))[:2] == ["Teacher 00", "Teacher 01"]
    assert "No people match." in d.get("/people", params={"country": "Kenya", "q": "teacher"}).text
    api = d.get("/api/v1/people", params={"country": "india", "page": 2}).json()
    assert (api["total"], len(api["items"])) == (55, 5)


def test_n3_the_person_form_names_the_home_school_by_its_short_name(factory, as_):
    school = factory.school("Hill School", country="Nepal", time_zone="Asia/Kathmandu")
    factory.school("Other School")
    d = as_(factory.dpl())
    form = d.get("/people/new")
    assert "Other School" not in form.text and 'name="school"' in form.text
    r = post_form(d, "/people/new", {"name": "Asha", "email": "asha@example.org", "school": school.slug,
                                     "roles": "member"})
    assert r.status_code == 303
    asha = d.get("/people", params={"q": "asha"}).context["page"].items[0]
    assert asha.school_id == school.id
    edit = d.get(f"/people/{asha.id}/edit")
    assert f'value="{school.slug}"' in edit.text and "Now: Hill School" in edit.text
    refused = post_form(d, "/people/new", {"name": "Ben", "email": "ben@example.org", "school": "no-such-school",
                                           "roles": "member"})
    assert refused.status_code == 422 and "no school with the short name" in refused.text
    assert 'value="no-such-school"' in refused.text


def test_n1_schools_page_25_at_a_time_filtered_by_country(factory, as_):
    for n in range(27):
        factory.school(f"School {n:02d}", country="India" if n % 2 else "Kenya")
    d = as_(factory.dpl())
    first = d.get("/schools")
    assert [s.name for s in first.context["page"].items] == [f"School {n:02d}" for n in range(25)]
    assert [s.name for s in d.get("/schools", params={"page": 2}).context["page"].items] == ["School 25", "School 26"]
    kenya = d.get("/schools", params={"country": "Kenya"})
    assert kenya.context["page"].total == 14 and '<option value="India"' in kenya.text
    assert d.get("/api/v1/schools", params={"country": "india"}).json()["total"] == 13
