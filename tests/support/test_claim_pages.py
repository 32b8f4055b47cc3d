"""S3 through HTTP: a Core member claims the hotel night from the planning meeting's page (or the API,
multipart), the receipt is served only to its claimant, Center staff and the DPL and always as a
download; Center staff work the queue, decide, pay and export the month; conferences carry the cap."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone

import pytest

from nesa_collab import clock
from nesa_collab.support.models import Claim

from ..conftest import csrf_of, post_form
from .conftest import MAX_BYTES, PDF, PNG, count, stored_files, written

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _on_the_day():
    clock.freeze(NOW)


def claim_form(client, meeting_id: int, receipt=PDF, name="riverside.pdf", **fields):
    data = {"night_on": "2027-03-24", "amount": "139.50", "currency": "USD", "csrf_token": csrf_of(client), **fields}
    return client.post(f"/meetings/{meeting_id}/claim", data=data, files={"receipt": (name, receipt, "text/html")},
                       follow_redirects=False)


def api_claim(client, token: str, meeting_id: int, receipt=PDF, **fields):
    data = {"meeting_id": str(meeting_id), "night_on": "2027-03-24", "amount": "139.50", "currency": "USD", **fields}
    return client.post("/api/v1/claims", data=data, files={"receipt": ("r.pdf", receipt, "application/pdf")},
                       headers={"Authorization": f"Bearer {token}"})


def test_s3_a_core_member_claims_the_night_from_the_planning_meetings_page(world, as_, database):
    core = as_(world.core)
    page = core.get(f"/meetings/{world.meeting.id}")
    assert f'/meetings/{world.meeting.id}/claim"' in page.text and "Claim the hotel night" in page.text
    assert "/claim" not in as_(world.member).get(f"/meetings/{world.meeting.id}").text
    form = core.get(f"/meetings/{world.meeting.id}/claim")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    assert "145.00 USD" in form.text and 'value="2027-03-24"' in form.text
    r = claim_form(core, world.meeting.id)
    assert r.status_code == 303, r.text
    claim_url = r.headers["location"]
    assert re.fullmatch(r"/claims/\d+", claim_url)
    shown = core.get(claim_url)
    assert "139.50 USD" in shown.text and "Submitted" in shown.text and "riverside.pdf" in shown.text
    mine = core.get("/claims/mine")
    assert claim_url in mine.text
    # The meeting page now shows the claim instead of the link.
    page = core.get(f"/meetings/{world.meeting.id}")
    assert claim_url in page.text and f'/meetings/{world.meeting.id}/claim"' not in page.text


@pytest.mark.parametrize(("receipt", "name", "words"), [
    (b"<!DOCTYPE html><html><body onload=alert(1)>", "receipt.pdf", "must be a PDF, JPEG or PNG"),
    (PNG + b"\0" * MAX_BYTES, "big.png", "at most"),
])
def test_s3_a_receipt_refused_on_the_page_shows_the_form_again_and_writes_nothing(receipt, name, words, world, as_,
                                                                                  database):
    core = as_(world.core)
    before = written(database, world.store)
    r = claim_form(core, world.meeting.id, receipt=receipt, name=name)
    assert r.status_code == 422 and "S3:" in r.text and words in r.text
    assert 'value="139.50"' in r.text  # what was typed is kept
    assert written(database, world.store) == before


def test_s3_a_claim_over_the_cap_is_refused_on_the_page(world, as_, database):
    r = claim_form(as_(world.core), world.meeting.id, amount="150.00")
    assert r.status_code == 422 and "over the nightly cap of 145.00 USD" in r.text
    assert count(database, Claim) == 0


def _claimed(world, as_) -> tuple[object, str]:
    core = as_(world.core)
    url = claim_form(core, world.meeting.id).headers["location"]
    return core, url


def test_s3_the_receipt_is_a_download_for_the_claimant_center_staff_and_the_dpl_only(world, as_):
    core, url = _claimed(world, as_)
    for client in (core, as_(world.staff), as_(world.dpl)):
        r = client.get(url + "/receipt")
        assert r.status_code == 200 and r.content == PDF
        assert r.headers["content-type"] == "application/pdf"
        assert r.headers["content-disposition"].startswith("attachment;")
        assert r.headers["x-content-type-options"] == "nosniff"
    for person in (world.second_core, world.other_core, world.member):
        other = as_(person)
        assert other.get(url + "/receipt").status_code == 404
        assert other.get(url).status_code == 404
    assert as_().get(url + "/receipt", follow_redirects=False).status_code == 303  # sign in first


def test_s3_the_api_takes_a_claim_as_multipart_and_answers_amounts_as_strings(world, as_, factory, client):
    token = factory.token(world.core)
    r = api_claim(client, token, world.meeting.id)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["amount"] == "139.50" and body["currency"] == "USD" and body["status"] == "submitted"
    assert body["receipt"]["media_type"] == "application/pdf" and body["collaborative"]["slug"] == world.collab.slug
    receipt = client.get(f"/api/v1/claims/{body['id']}/receipt", headers={"Authorization": f"Bearer {token}"})
    assert receipt.content == PDF and receipt.headers["content-disposition"].startswith("attachment;")
    other = client.get(f"/api/v1/claims/{body['id']}/receipt",
                       headers={"Authorization": f"Bearer {factory.token(world.second_core)}"})
    assert other.status_code == 404
    mine = client.get("/api/v1/claims/mine", headers={"Authorization": f"Bearer {token}"}).json()
    assert [c["id"] for c in mine["items"]] == [body["id"]]


def test_s3_the_api_refuses_with_the_rule_and_writes_nothing(world, factory, client, database):
    second, other_core, member = (factory.token(p) for p in (world.second_core, world.other_core, world.member))
    before = written(database, world.store)
    r = client.post("/api/v1/claims", json={"meeting_id": world.meeting.id, "night_on": "2027-03-24",
                                            "amount": 139.5, "currency": "USD"},
                    headers={"Authorization": f"Bearer {second}"})
    assert r.status_code == 422 and r.json()["rule"] == "S3" and r.json()["errors"][0]["field"] == "amount"
    r = api_claim(client, second, world.meeting.id, receipt=b"<html>not a receipt</html>")
    assert r.status_code == 422 and r.json()["errors"][0] == {
        "field": "receipt", "rule": "S3",
        "message": "the receipt must be a PDF, JPEG or PNG file (this file's content is none of them, whatever its "
                   "name says)"}
    r = api_claim(client, second, world.meeting.id, currency="EUR")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "currency"
    r = api_claim(client, other_core, world.meeting.id)
    assert r.status_code == 422 and "was not on the Librarians Core" in r.json()["detail"]
    assert api_claim(client, member, world.meeting.id).status_code == 403
    assert written(database, world.store) == before


def test_s3_center_staff_approve_reject_and_pay_through_the_pages(world, as_, factory, database):
    core, url = _claimed(world, as_)
    second = as_(world.second_core)
    second_url = claim_form(second, world.meeting.id, amount="99.00").headers["location"]
    staff = as_(world.staff)
    queue = staff.get("/claims")
    assert queue.text.index(url + '"') < queue.text.index(second_url + '"')  # oldest first
    assert url + '/approve"' in staff.get(url).text
    assert post_form(staff, url + "/approve").status_code == 303
    assert "Approved" in staff.get(url).text
    # Reject: a confirmation page, and a reason.
    assert "Reject claim" in staff.get(second_url + "/reject").text
    refused = post_form(staff, second_url + "/reject", {"reason": " "})
    assert refused.status_code == 422 and "S3:" in refused.text
    assert post_form(staff, second_url + "/reject", {"reason": "Receipt from another hotel"}).status_code == 303
    assert "Receipt from another hotel" in second.get("/claims/mine").text
    # Pay with a reference; the claimant sees it.
    assert post_form(staff, url + "/pay", {"reference": ""}).status_code == 422
    assert post_form(staff, url + "/pay", {"reference": "TRF-0412"}).status_code == 303
    assert "TRF-0412" in core.get(url).text and "Paid" in core.get("/claims/mine").text
    assert "No claim is waiting." in staff.get("/claims").text
    # A Core member may not decide.
    assert post_form(second, url + "/approve").status_code == 403


def test_s3_the_totals_page_and_the_finance_csv(world, as_, database, factory):
    odd = factory.educator(name="=HYPERLINK(\"http://evil.example\")")
    factory.core_member(odd, world.collab, date(2025, 8, 1), date(2027, 7, 31))
    _claimed(world, as_)
    claim_form(as_(odd), world.meeting.id, amount="100.25", night_on="2027-03-25")
    staff = as_(world.staff)
    page = staff.get("/claims/totals")
    assert "239.75" in page.text and "Spring Educators Conference" in page.text
    r = staff.get("/claims/export.csv?month=2027-03")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="hotel-night-claims-2027-03.csv"'
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [(row["claimant"], row["night"], row["amount"], row["currency"], row["status"]) for row in rows] == [
        ("Omar Khalil", "2027-03-24", "139.50", "USD", "submitted"),
        ("'=HYPERLINK(\"http://evil.example\")", "2027-03-25", "100.25", "USD", "submitted")]
    assert rows[0]["school"] == "American School of Dubai" and rows[0]["collaborative"] == "Librarians"
    assert rows[0]["submitted_on"] == "2026-12-01" and rows[0]["paid_on"] == ""
    empty = list(csv.reader(io.StringIO(staff.get("/claims/export.csv?month=2027-04").content.decode("utf-8-sig"))))
    assert len(empty) == 1  # the header only
    assert staff.get("/claims/export.csv?month=March").status_code == 422
    assert as_(world.core).get("/claims/export.csv").status_code == 403


def test_s3_the_api_decides_pays_and_adds_up(world, as_, factory, client):
    _claimed(world, as_)
    staff = {"Authorization": f"Bearer {factory.token(world.staff)}"}
    [claim] = client.get("/api/v1/claims", headers=staff).json()["items"]
    assert client.post(f"/api/v1/claims/{claim['id']}/pay", json={"reference": "X"}, headers=staff).status_code == 422
    assert client.post(f"/api/v1/claims/{claim['id']}/approve", headers=staff).json()["status"] == "approved"
    paid = client.post(f"/api/v1/claims/{claim['id']}/pay", json={"reference": "TRF-1"}, headers=staff).json()
    assert paid["status"] == "paid" and paid["payment_reference"] == "TRF-1" and paid["paid_at"]
    totals = client.get("/api/v1/claims/totals", headers=staff).json()
    assert totals == [{"slug": "sec-2027", "name": "Spring Educators Conference", "currency": "USD", "claims": 1,
                       "submitted": "0.00", "approved": "0.00", "paid": "139.50"}]
    spend = client.get("/api/v1/claims/spend?collaborative=" + world.collab.slug, headers=staff).json()
    assert spend["paid"] == "139.50" and spend["currency"] == "USD"
    csv_text = client.get("/api/v1/claims/export.csv", headers=staff).content.decode("utf-8-sig")
    assert "TRF-1" in csv_text


def test_s3_center_staff_set_a_conferences_nightly_cap(world, as_, factory, client, database):
    staff = as_(world.staff)
    form = staff.get("/conferences/sec-2027/edit")
    assert 'value="145.00"' in form.text and 'value="USD"' in form.text
    fields = {"name": "Spring Educators Conference", "kind": "conference", "starts_on": "2027-03-26",
              "ends_on": "2027-03-29", "city": "Bangkok", "time_zone": "Asia/Bangkok"}
    refused = post_form(staff, "/conferences/sec-2027/edit", {**fields, "hotel_night_cap": "150.5.0",
                                                             "hotel_cap_currency": "THB"})
    assert refused.status_code == 422 and "S3:" in refused.text
    refused = post_form(staff, "/conferences/sec-2027/edit", {**fields, "hotel_night_cap": "5000.00"})
    assert refused.status_code == 422 and "currency" in refused.text
    assert post_form(staff, "/conferences/sec-2027/edit", {**fields, "hotel_night_cap": "5000",
                                                          "hotel_cap_currency": "thb"}).status_code == 303
    assert "5000.00 THB" in staff.get("/conferences/sec-2027").text
    token = {"Authorization": f"Bearer {factory.token(world.staff)}"}
    r = client.patch("/api/v1/conferences/sec-2027", json={"hotel_night_cap": 150}, headers=token)
    assert r.status_code == 422 and r.json()["rule"] == "S3"
    r = client.patch("/api/v1/conferences/sec-2027", json={"hotel_night_cap": "150.00", "hotel_cap_currency": "USD"},
                     headers=token)
    assert r.status_code == 200 and (r.json()["hotel_night_cap"], r.json()["hotel_cap_currency"]) == ("150.00", "USD")
    r = client.patch("/api/v1/conferences/sec-2027", json={"hotel_night_cap": "", "hotel_cap_currency": ""},
                     headers=token)
    assert r.json()["hotel_night_cap"] is None


def test_s3_home_pages_lead_to_the_claims(world, as_):
    second = as_(world.second_core)
    assert f'/meetings/{world.meeting.id}/claim"' in second.get("/").text  # not claimed yet
    _claimed(world, as_)
    assert "1</strong> claim waiting" in as_(world.staff).get("/").text
    home = as_(world.core).get("/")
    assert "Hotel-night claims" in home.text and "/claims/mine" in home.text
    assert f'/meetings/{world.meeting.id}/claim"' not in home.text  # claimed
    assert "Hotel-night claims" not in as_(world.member).get("/").text


def test_s3_the_openapi_document_describes_the_multipart_claim(client):
    doc = client.get("/api/v1/openapi.json").json()
    body = doc["paths"]["/claims"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["allOf"][0] == {"$ref": "#/components/schemas/ClaimIn"}
    assert body["allOf"][1]["required"] == ["receipt"]
    assert doc["components"]["schemas"]["ClaimOut"]["properties"]["amount"]["type"] == "string"
    assert "multipart/form-data" in client.get("/api/v1/docs").text


def test_s3_a_receipt_file_name_is_never_the_uploaded_one(world, as_):
    claim_form(as_(world.core), world.meeting.id, name="../../static/evil.html.pdf")
    [stored] = stored_files(world.store)
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", stored.name) and stored.parent == world.store.directory


def test_s3_a_receipt_of_the_configured_size_gets_through_and_one_byte_more_is_refused(world, settings, database):
    """The app's request-size limit follows NESA_RECEIPT_MAX_BYTES (here 3 MB, beyond the 2 MB that
    other forms need): a receipt of exactly that size is accepted; a larger one is refused by S3."""
    from starlette.testclient import TestClient

    from nesa_collab.app import create_app

    from ..conftest import sign_in

    limit = 3 * 1024 * 1024
    app = create_app(settings.with_(receipt_max_bytes=limit), database)
    with TestClient(app) as big:
        sign_in(big, world.second_core.email)
        too_big = claim_form(big, world.meeting.id, receipt=PDF + b"\0" * (limit + 1 - len(PDF)))
        assert too_big.status_code == 422 and "S3:" in too_big.text
        with TestClient(app) as core:
            sign_in(core, world.core.email)
            assert claim_form(core, world.meeting.id, receipt=PDF + b"\0" * (limit - len(PDF))).status_code == 303
    [stored] = stored_files(world.store)
    assert stored.stat().st_size == limit
