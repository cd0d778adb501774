"""Two helps for the coordinator's calendar: copying one day's hours to other days on the
hours form (shown to check, nothing saved), and the US federal holidays offered as closures."""

from datetime import date

from flask import Flask

from finder.domain.holidays import holidays_to_offer
from finder.storage.models import CalendarRow, ClosureRow
from tests import test_staff_calendar_pages as calendar_pages
from tests.accounts import csrf_token
from tests.test_staff_calendar_pages import BASE, count, hours_form, text_of

staff, published = calendar_pages.staff, calendar_pages.published  # the fixtures


def test_copying_a_day_fills_the_days_ticked_and_saves_nothing(app: Flask, staff):
    form = hours_form(
        csrf_token(staff),
        **{
            "mon-0-start": "08:00",
            "mon-0-end": "11:00",
            "mon-1-start": "13:00",
            "mon-1-end": "15:00",
            "action": "copy",
            "copy_from": "mon",
        },
    )
    form["copy_to"] = ["wed", "fri"]  # type: ignore[assignment]
    response = staff.post(f"{BASE}/hours", data=form)
    page = text_of(response)
    assert response.status_code == 200
    assert "Monday's hours are copied to Wednesday, Friday. Nothing is saved yet" in page
    for day in ("wed", "fri"):
        assert f'id="{day}-0-start" name="{day}-0-start" value="08:00"' in page
        assert f'id="{day}-1-end" name="{day}-1-end" value="15:00"' in page
    assert 'id="tue-0-start" name="tue-0-start" value="09:00"' in page  # untouched
    assert count(app, CalendarRow) == 0


def test_a_copy_without_days_is_refused_and_keeps_what_was_typed(app: Flask, staff):
    form = hours_form(csrf_token(staff), **{"mon-0-start": "08:00", "action": "copy",
                                            "copy_from": "xyz"})  # fmt: skip
    response = staff.post(f"{BASE}/hours", data=form)
    assert response.status_code == 400
    page = text_of(response)
    assert "To copy hours, choose a day to copy and the days to copy it to." in page
    assert 'id="mon-0-start" name="mon-0-start" value="08:00"' in page


def test_holidays_of_the_coming_year_not_already_closed_are_offered():
    offered = holidays_to_offer(date(2027, 1, 11), [(date(2027, 1, 18), date(2027, 1, 18))])
    assert [h.name for h in offered][:2] == ["Washington's Birthday", "Memorial Day"]
    assert offered[-1].day == date(2027, 12, 31)  # New Year's Day 2028 falls on a Saturday
    assert len(offered) == 10


def test_the_closures_page_offers_holidays_and_closes_on_one(app: Flask, published):
    page = text_of(published.get(f"{BASE}/closures"))
    assert "US federal holidays ahead" in page and "Thanksgiving Day" in page
    day = page.split('name="start" value="')[1].split('"')[0]
    name = page.split('name="reason" value="')[1].split('"')[0]
    response = published.post(
        f"{BASE}/closures",
        data={"csrf_token": csrf_token(published), "start": day, "reason": name},
    )
    assert response.status_code == 303
    assert count(app, ClosureRow) == 1
    after = text_of(published.get(f"{BASE}/closures"))
    assert after.count(f'name="start" value="{day}"') == 0  # no longer offered
    spanish = text_of(published.get(f"{BASE}/closures?lang=es"))
    assert (
        "Próximos feriados federales de EE. UU." in spanish
        and "Día de Acción de Gracias" in spanish
    )
