"""The SMART Scheduling Links publication, read as an aggregator reads it, on SQLite and
PostgreSQL: the manifest passes the conformance test kit's manifest checks, every reference
resolves, every free slot is bookable through its deep link, the counts agree with the JSON
API, and a booking or a hold made a moment ago shows in the next publication."""

import re
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from finder.booking.publication import BOOKING_PHONE, CAPACITY, DEEP_LINK, lines
from tests.accounts import CENTER_X, bearer_token, csrf_token, signed_in_client

PUBLIC_URL = "https://finder.example.org"
# From the SMART Scheduling Links test kit (inferno-framework/smart-scheduling-links-test-kit,
# manifest_group.rb): a FHIR instant.
INSTANT = re.compile(
    r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|"
    r"3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):"
    r"[0-5][0-9]|14:00))"
)
FHIR_ID = re.compile(r"^[A-Za-z0-9.-]{1,64}$")
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS = {
    "weekly": [{"day": d, "start": "09:00", "end": "12:00"} for d in EVERY_DAY],
    "slot_minutes": 60,
    "buffer_minutes": 0,
    "capacity": 2,
    "min_notice_hours": 2,
    "horizon_days": 3,
}


@pytest.fixture
def app(make_app) -> Flask:
    from finder.centers.use_cases import load_centers_file
    from finder.extensions import catalog_cache
    from tests.conftest import SMALL_CENTERS

    made = make_app(PUBLIC_URL=PUBLIC_URL)
    with made.app_context():
        load_centers_file(SMALL_CENTERS, catalog_cache().products)
    return made


@pytest.fixture
def staff(app, accounts):
    token = bearer_token(app, accounts["staff_x"].email)
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    answer = client.put(f"/api/v1/centers/{CENTER_X}/availability", json=HOURS, headers=headers)
    assert answer.status_code == 200, answer.json
    return client, headers


def local(url: str) -> str:
    assert url.startswith(PUBLIC_URL + "/"), url
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def read(client) -> dict:
    """The manifest and every file it names, as an aggregator fetches them."""
    answer = client.get("/fhir/$bulk-publish")
    assert answer.status_code == 200
    manifest = answer.get_json(force=True)
    files: dict[str, list[dict]] = {"Location": [], "Schedule": [], "Slot": []}
    for output in manifest["output"]:
        got = client.get(local(output["url"]), headers={"Accept": "application/fhir+ndjson"})
        assert got.status_code == 200
        assert got.mimetype == "application/fhir+ndjson"
        files[output["type"]].extend(lines(got.get_data(as_text=True)))
    return {"manifest": manifest, "etag": answer.headers["ETag"], **files}


def slots_of(data: dict, status: str | None = None) -> list[dict]:
    return [s for s in data["Slot"] if status is None or s["status"] == status]


def test_the_manifest_passes_the_test_kits_manifest_checks(client, staff):
    plain = client.get("/fhir/$bulk-publish")
    asked = client.get("/fhir/$bulk-publish", headers={"Accept": "application/json"})
    assert plain.status_code == asked.status_code == 200
    assert plain.get_data() == asked.get_data()
    manifest = plain.get_json(force=True)
    assert isinstance(manifest, dict)
    assert isinstance(manifest["transactionTime"], str)
    assert isinstance(manifest["request"], str)
    assert isinstance(manifest["output"], list)
    assert INSTANT.fullmatch(manifest["transactionTime"])
    assert manifest["request"] == f"{PUBLIC_URL}/fhir/$bulk-publish"
    assert manifest["request"].endswith("$bulk-publish")
    types = [output["type"] for output in manifest["output"]]
    assert {"Location", "Schedule", "Slot"} <= set(types)
    for output in manifest["output"]:
        assert isinstance(output["type"], str) and isinstance(output["url"], str)
        assert urlsplit(output["url"]).scheme in ("http", "https")
        if "extension" in output:
            assert isinstance(output["extension"], dict)
            states = output["extension"]["state"]
            assert isinstance(states, list) and all(isinstance(s, str) for s in states)
    slot_files = [o for o in manifest["output"] if o["type"] == "Slot"]
    assert [o["extension"]["state"] for o in slot_files] == [["MA"]]
    assert "max-age=" in plain.headers["Cache-Control"]


def test_every_reference_resolves_and_every_field_is_as_the_spec_asks(client, staff):
    data = read(client)
    locations = {loc["id"]: loc for loc in data["Location"]}
    schedules = {sch["id"]: sch for sch in data["Schedule"]}
    assert list(locations) == [CENTER_X]  # only centers with hours
    for location in locations.values():
        assert location["resourceType"] == "Location"
        assert FHIR_ID.match(location["id"])
        assert location["name"] and location["telecom"] and location["identifier"]
        assert {"system", "value"} <= set(location["telecom"][0])
        assert {"line", "city", "state", "postalCode"} <= set(location["address"])
        assert {"latitude", "longitude"} == set(location["position"])
    for schedule in schedules.values():
        assert schedule["resourceType"] == "Schedule"
        (actor,) = schedule["actor"]
        kind, _, ref = actor["reference"].partition("/")
        assert kind == "Location" and ref in locations
        assert schedule["serviceType"][0]["text"] == "CAR T cell therapy consultation"
    assert data["Slot"]
    for slot in data["Slot"]:
        assert slot["resourceType"] == "Slot" and FHIR_ID.match(slot["id"])
        kind, _, ref = slot["schedule"]["reference"].partition("/")
        assert kind == "Schedule" and ref in schedules
        assert slot["status"] in ("free", "busy", "busy-tentative")
        assert INSTANT.fullmatch(slot["start"]) and INSTANT.fullmatch(slot["end"])
        assert slot["start"] < slot["end"]
        urls = {ext["url"] for ext in slot.get("extension", [])}
        assert (DEEP_LINK in urls) == (slot["status"] == "free")
        assert BOOKING_PHONE in urls


def test_free_slots_agree_with_the_json_api(client, staff):
    data = read(client)
    today = datetime.now(UTC).date() - timedelta(days=1)
    answer = client.get(f"/api/v1/centers/{CENTER_X}/slots?from={today}&to={today + timedelta(5)}")
    api = {str(slot["id"]): slot["remaining"] for slot in answer.json["slots"]}
    free = {
        slot["id"]: next(e["valueInteger"] for e in slot["extension"] if e["url"] == CAPACITY)
        for slot in slots_of(data, "free")
    }
    assert free == api
    assert free


def test_every_free_slot_is_bookable_through_its_deep_link(app, client, staff, accounts):
    provider = signed_in_client(app, accounts["provider_a"])
    free = slots_of(read(client), "free")
    for slot in free:
        link = next(e["valueUrl"] for e in slot["extension"] if e["url"] == DEEP_LINK)
        parts = urlsplit(link)
        assert parse_qs(parts.query) == {"slot": [slot["id"]]}
        # An aggregator appends its own parameters; the page keeps working.
        page = provider.get(local(link) + "&source=aggregator&booking-referral=r-1")
        assert page.status_code == 200, page.get_data(as_text=True)[:400]
        html = page.get_data(as_text=True)
        assert 'id="hold-notice"' in html
        assert f'value="{slot["id"]}" required\n               checked' in html
    chosen = free[0]
    data = {
        "csrf_token": csrf_token(provider),
        "idempotency_key": secrets.token_urlsafe(16),
        "slot_id": chosen["id"],
        "patient_name": "Alex Doe",
        "patient_birth_date": "1960-05-01",
        "patient_email": "",
        "patient_phone": "",
        "indication": "LBCL",
        "product": "yescarta",
        "notes": "",
        "week": "",
    }
    assert provider.post(f"/book/{CENTER_X}", data=data).status_code == 303


def test_a_booking_or_a_hold_shows_in_the_next_publication(app, client, staff, accounts):
    first = read(client)
    slot = slots_of(first, "free")[0]
    unchanged = client.get("/fhir/$bulk-publish", headers={"If-None-Match": first["etag"]})
    assert unchanged.status_code == 304
    token_a = bearer_token(app, accounts["provider_a"].email)
    token_b = bearer_token(app, accounts["provider_b"].email)
    held = client.post(
        f"/api/v1/slots/{slot['id']}/hold", headers={"Authorization": f"Bearer {token_a}"}
    )
    assert held.status_code == 201, held.json
    second = read(client)
    assert second["etag"] != first["etag"]
    again = next(s for s in second["Slot"] if s["id"] == slot["id"])
    assert again["status"] == "free"  # one place of two held
    assert {"url": CAPACITY, "valueInteger": 1} in again["extension"]
    client.post(f"/api/v1/slots/{slot['id']}/hold", headers={"Authorization": f"Bearer {token_b}"})
    third = next(s for s in read(client)["Slot"] if s["id"] == slot["id"])
    assert third["status"] == "busy-tentative"
    body = {
        "slot_id": int(slot["id"]),
        "hold_id": held.json["hold_id"],
        "patient": {"name": "Alex Doe", "birth_date": "1960-05-01"},
        "indication": "LBCL",
        "product": "yescarta",
    }
    booked = client.post(
        "/api/v1/bookings", json=body, headers={"Authorization": f"Bearer {token_a}"}
    )
    assert booked.status_code == 201, booked.json
    assert next(s for s in read(client)["Slot"] if s["id"] == slot["id"])["status"] == (
        "busy-tentative"
    )
    client.delete(
        f"/api/v1/holds/{held.json['hold_id']}", headers={"Authorization": f"Bearer {token_a}"}
    )  # already a booking: nothing to release
    blocked = client.post(
        f"/api/v1/centers/{CENTER_X}/slots/{slot['id']}/block",
        json={"blocked": True, "reason": "Staff meeting"},
        headers=staff[1],
    )
    assert blocked.status_code == 200, blocked.json
    last = next(s for s in read(client)["Slot"] if s["id"] == slot["id"])
    assert last["status"] == "busy"


def test_the_publication_needs_no_sign_in_and_unknown_states_are_not_found(client, staff):
    assert client.get("/fhir/slots-ZZ.ndjson").status_code == 404
    assert client.get("/fhir/locations.ndjson").status_code == 200


def test_time_alone_turns_a_slot_busy_as_the_notice_window_reaches_it(client, staff, monkeypatch):
    from finder.booking.pages import fhir

    first = slots_of(read(client), "free")[0]
    start = datetime.fromisoformat(first["start"]).astimezone(UTC)
    notice = timedelta(hours=HOURS["min_notice_hours"])
    # The last minute in which it can be booked ends exactly at the notice limit.
    monkeypatch.setattr(fhir, "now", lambda: start - notice - timedelta(seconds=30))
    still = next(s for s in read(client)["Slot"] if s["id"] == first["id"])
    assert still["status"] == "free"
    monkeypatch.setattr(fhir, "now", lambda: start - notice + timedelta(seconds=10))
    late = next(s for s in read(client)["Slot"] if s["id"] == first["id"])
    assert late["status"] == "busy"


def test_every_file_answers_304_to_the_publications_one_etag(client, staff):
    manifest = client.get("/fhir/$bulk-publish")
    etag = manifest.headers["ETag"]
    for output in manifest.get_json(force=True)["output"]:
        answer = client.get(local(output["url"]), headers={"If-None-Match": etag})
        assert answer.status_code == 304, output["url"]
        assert answer.headers["ETag"] == etag
        assert answer.get_data() == b""


def test_a_kept_publication_digests_its_files_once(app, client, staff, monkeypatch):
    """A poll answered from the kept publication does not hash the whole horizon again."""
    import hashlib
    from types import SimpleNamespace

    from finder.booking import publication

    digests = []

    def counted(*args, **kwargs):
        digests.append(1)
        return hashlib.sha256(*args, **kwargs)

    monkeypatch.setattr(publication, "hashlib", SimpleNamespace(sha256=counted))
    client.get("/fhir/$bulk-publish")
    built = len(digests)
    for _ in range(3):
        etag = client.get("/fhir/$bulk-publish").headers["ETag"]
        assert client.get("/fhir/$bulk-publish", headers={"If-None-Match": etag}).status_code == 304
    assert len(digests) == built
