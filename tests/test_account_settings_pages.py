"""The account's settings: zone, language and clock kept with the account and used on the
pages; staff choose their notices. Bad input is a 400 naming the field; nothing is kept."""

from zoneinfo import ZoneInfo

from flask import Flask

from finder.storage import db
from finder.storage.models import UserSettingRow
from tests.accounts import csrf_token, signed_in_client
from tests.test_booking_pages import book, hours, slots  # noqa: F401 - the fixture


def text(response) -> str:
    return response.get_data(as_text=True)


def save(client, **fields):
    data = {"csrf_token": csrf_token(client), **fields}
    return client.post("/account/settings", data=data)


def stored(app: Flask, user_id: int) -> UserSettingRow | None:
    with app.app_context():
        return db.session().get(UserSettingRow, user_id)


def test_staff_choose_their_notices_and_a_digest(app: Flask, accounts):
    client = signed_in_client(app, accounts["staff_x"])
    page = text(client.get("/account/settings"))
    assert "Email me when, at one of my centers," in page and 'value="referred"' in page
    response = save(
        client, notices=["booked", "referred"], digest="daily", timezone="America/Chicago"
    )
    assert response.status_code == 303 and response.headers["Location"] == "/account/settings"
    row = stored(app, accounts["staff_x"].id)
    assert row is not None
    assert (row.notices, row.digest, row.timezone) == (["booked", "referred"], True,
                                                       "America/Chicago")  # fmt: skip
    again = text(client.get("/account/settings"))
    assert 'id="settings-notice-booked" name="notices" value="booked" checked' in again
    assert 'value="daily" checked' in again and "Your settings are saved." in again


def test_a_provider_is_offered_no_notices_and_cannot_keep_them(app: Flask, accounts):
    client = signed_in_client(app, accounts["provider_a"])
    assert "Email me when" not in text(client.get("/account/settings"))
    assert save(client, notices=["booked"], digest="daily").status_code == 303
    row = stored(app, accounts["provider_a"].id)
    assert row is not None and (row.notices, row.digest) == ([], False)


def test_bad_settings_are_refused_with_the_field_named_and_nothing_kept(app: Flask, accounts):
    client = signed_in_client(app, accounts["staff_x"])
    for fields, words in [
        ({"timezone": "Mars/Olympus"}, "Choose a time zone from the list."),
        ({"language": "xx"}, "Choose English or Spanish."),
        ({"hour_cycle": "13"}, "Choose 12-hour or 24-hour times."),
        ({"notices": ["everything"]}, "Choose among the notices listed."),
    ]:
        response = save(client, **fields)
        assert response.status_code == 400 and words in text(response)
    assert stored(app, accounts["staff_x"].id) is None


def test_the_language_chosen_is_kept_for_the_next_pages(app: Flask, accounts):
    client = signed_in_client(app, accounts["provider_a"])
    save(client, language="es")
    assert 'lang="es"' in text(client.get("/account"))


def test_a_provider_s_zone_and_clock_are_used_on_the_booking_page(
    app,
    accounts,
    hours,  # noqa: F811 - the fixture imported above
):
    client = signed_in_client(app, accounts["provider_a"])
    slot = slots(app)[0]
    booking = book(client, slot.id)
    save(client, timezone="America/Los_Angeles", hour_cycle="12")
    page = text(client.get(f"/bookings/{booking}"))
    local = slot.start_at.astimezone(ZoneInfo("America/Los_Angeles"))
    hour = local.strftime("%I").lstrip("0")
    assert f"{hour}:{local:%M} {local:%p} {local.tzname()}" in page


def test_staff_who_chose_12_hour_times_see_them_on_their_center_s_booking_page(
    app,
    accounts,
    hours,  # noqa: F811 - the fixture imported above
):
    from tests.accounts import CENTER_X

    provider = signed_in_client(app, accounts["provider_a"])
    slot = slots(app)[0]
    booking = book(provider, slot.id)
    staff = signed_in_client(app, accounts["staff_x"])
    local = slot.start_at.astimezone(ZoneInfo("America/New_York"))
    page = text(staff.get(f"/staff/centers/{CENTER_X}/bookings/{booking}"))
    assert f"{local:%H:%M}" in page  # 24-hour until the account chooses
    save(staff, hour_cycle="12")
    page = text(staff.get(f"/staff/centers/{CENTER_X}/bookings/{booking}"))
    hour = local.strftime("%I").lstrip("0")
    assert f"{hour}:{local:%M} {local:%p}" in page
