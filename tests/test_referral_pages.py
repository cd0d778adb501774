"""The referral pages, server side: the provider's dashboard with its filters, name search and
CSV export; the center's referrals by stage; a new referral and every refusal beside its field;
the timeline with its stay plan, stage moves, refusals and corrections; and who may see what."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select

from finder.domain.accounts import Actor, Role
from finder.domain.bookings import BookingRequest, Patient
from finder.extensions import current_catalog
from finder.referrals.records import NewReferral, find_referral, record_stage, refer
from finder.storage import db
from finder.storage.models import AuditEventRow, ReferralEventRow, ReferralRow
from tests.accounts import CENTER_X, CENTER_Y, add_account, csrf_token, signed_in_client
from tests.bookings import book
from tests.test_booking_pages import publish, slots

PATIENT = "Octavia Brightwater"
OTHER = "Barnaby Quill"
BOSTON = ZoneInfo("America/New_York")


def today() -> date:
    return datetime.now(BOSTON).date()


@pytest.fixture
def provider(app: Flask, accounts):
    return signed_in_client(app, accounts["provider_a"])


@pytest.fixture
def staff(app: Flask, accounts):
    return signed_in_client(app, accounts["staff_x"])


def form(**changes: str) -> dict[str, str]:
    """A complete new-referral form for PATIENT at CENTER_X, with `changes`."""
    values = {
        "center_id": CENTER_X,
        "patient_name": PATIENT,
        "patient_birth_date": "1961-04-12",
        "patient_email": "octavia@example.org",
        "patient_phone": "+1 617 555 0100",
        "home": "Boston, MA",
        "indication": "LBCL",
        "product": "yescarta",
        "rule": "us-2025",
        "stage": "referral",
        "note": "Relapsed after two lines.",
    }
    values.update(changes)
    return values


def post(client, path: str, data: dict[str, str]):
    return client.post(path, data={**data, "csrf_token": csrf_token(client)})


def refer_by_form(client, **changes: str) -> int:
    response = post(client, "/referrals/new", form(**changes))
    assert response.status_code == 303, response.get_data(as_text=True)
    match = re.fullmatch(r"/referrals/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match[1])


def refer_directly(
    app: Flask, provider_id: int, name: str, center_id: str = CENTER_X, *, days_ago: int = 0
) -> int:
    """A referral made through the service, as if made `days_ago` days ago."""
    day = today() - timedelta(days=days_ago)
    with app.app_context(), db.transaction() as session:
        new = NewReferral(
            center_id=center_id, patient_name=name, patient_birth_date=date(1955, 1, 2)
        )
        made = refer(
            session,
            new,
            catalog=current_catalog(),
            provider_id=provider_id,
            today=day,
            now=datetime.now(UTC),
        )
        return made.id


def move(app: Flask, accounts, referral_id: int, *stages: str) -> None:
    """Record the stages today, as the admin."""
    actor = Actor(accounts["admin"].id, Role.ADMIN, frozenset())
    with app.app_context(), db.transaction() as session:
        referral = find_referral(session, actor, referral_id)
        for stage in stages:
            at = today()
            record_stage(
                session,
                referral,
                stage,
                actor=actor,
                at=at,
                note="",
                today=at,
                now=datetime.now(UTC),
            )


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def field_error(response, field: str) -> str:
    """The refusal shown beside the field, as the page's field-error paragraph holds it."""
    match = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', text(response))
    return match[1] if match else ""


def urls(response) -> list[str]:
    """Every address the page links or submits to."""
    return re.findall(r'(?:href|action|src)="([^"]*)"', response.get_data(as_text=True))


def referral_count(app: Flask) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(ReferralRow)) or 0


def actions(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session().scalars(select(AuditEventRow).order_by(AuditEventRow.id))
        return [(row.action, row.outcome) for row in rows]


# --- A new referral ---------------------------------------------------------------------------


def test_a_provider_refers_a_patient_and_sees_them_on_the_dashboard(app, provider):
    page = provider.get(f"/referrals/new?center={CENTER_X}")
    assert page.status_code == 200
    assert f'<option value="{CENTER_X}" selected>' in page.get_data(as_text=True)

    referral_id = refer_by_form(provider)
    timeline = provider.get(f"/referrals/{referral_id}")
    assert timeline.status_code == 200
    body = text(timeline)
    assert PATIENT in body and "Referral recorded." in body
    assert "Boston, MA" in body and "located by city" in body
    assert "Relapsed after two lines." in body

    dashboard = provider.get("/referrals")
    row = re.search(r"<tr[^>]*>(.*?)</tr>", text(dashboard).split("<tbody>")[1], re.S)[1]
    assert PATIENT in row and "Dana-Farber" in row and "Referral" in row
    assert "0 days" in row and "None booked" in row
    assert ("referral_created", "ok") in actions(app)
    assert ("referral_viewed", "ok") in actions(app)


def test_the_home_is_kept_at_the_precision_given(app, provider):
    zip_id = refer_by_form(provider, home="02115")
    city_id = refer_by_form(provider, home="Houston, TX", patient_name=OTHER)
    none_id = refer_by_form(provider, home="", patient_name="Nobody Homeless")
    with app.app_context():
        session = db.session()
        by_zip, by_city, empty = (session.get(ReferralRow, i) for i in (zip_id, city_id, none_id))
        assert (by_zip.home_precision, by_zip.home_label) == ("zip", "Boston, MA 02115")
        assert (by_city.home_precision, by_city.home_label) == ("city", "Houston, TX")
        assert (empty.home_precision, empty.home_lat) == ("", None)


BAD_FIELDS = [
    ("center_id", "", "Choose the center."),
    ("center_id", "no-such-center", "Choose a center from the list."),
    ("patient_name", "", "Enter the patient's name."),
    ("patient_name", "x" * 201, "Use at most 200 characters."),
    ("patient_birth_date", "", "Enter the patient's date of birth."),
    ("patient_birth_date", "2999-01-01", "The date of birth cannot be in the future."),
    ("patient_birth_date", "12/04/1961", "Enter the date of birth as year-month-day"),
    ("patient_email", "not-an-email", "Enter a valid email address, or leave it empty."),
    ("patient_phone", "call me", "Use digits, spaces and + ( ) - only"),
    ("home", "Springfield", "More than one place has that name"),
    ("home", "Qwxyz Town, MA", "We could not find that place"),
    ("home", "99999", "That ZIP code is not in use."),
    ("indication", "", "Choose the disease."),
    ("indication", "XYZ", "Choose a disease from the list."),
    ("product", "no-such-product", "Choose a product from the list, or none."),
    ("product", "aucatzyl", "This center is not authorized to give this product."),
    ("product", "abecma", "This product is not approved for this disease."),
    ("rule", "no-such-rule", "Choose a rule from the list."),
    ("stage", "consultation", "Choose eligibility or referral."),
    ("note", "x" * 501, "Use at most 500 characters."),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_FIELDS)
def test_every_bad_field_is_refused_with_its_message_beside_it(
    app, provider, field, value, message
):
    response = post(provider, "/referrals/new", form(**{field: value}))
    assert response.status_code == 400
    assert field_error(response, field).startswith(message), field_error(response, field)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert referral_count(app) == 0
    if field != "patient_name":
        assert f'value="{PATIENT}"' in response.get_data(as_text=True)  # kept, not retyped


def test_a_referral_may_start_at_eligibility(app, provider):
    referral_id = refer_by_form(provider, stage="eligibility", product="")
    with app.app_context():
        assert db.session().get(ReferralRow, referral_id).stage == "eligibility"


# --- The provider's dashboard -------------------------------------------------------------------


def test_the_dashboard_filters_by_stage_center_and_overdue(app, accounts, provider):
    mine = accounts["provider_a"].id
    at_x = refer_directly(app, mine, PATIENT)
    at_y = refer_directly(app, mine, OTHER, CENTER_Y)
    late = refer_directly(app, mine, "Lettie Latecomer", days_ago=30)
    refer_directly(app, accounts["provider_b"].id, "Someone Elses")
    move(app, accounts, at_y, "consultation")

    everything = text(provider.get("/referrals"))
    assert all(name in everything for name in (PATIENT, OTHER, "Lettie Latecomer"))
    assert "Someone Elses" not in everything
    # The center filter's options carry what the type-ahead finds a center by: city and state.
    page = provider.get("/referrals").get_data(as_text=True)
    assert 'data-center-picker="single"' in page
    assert 'data-place="Houston, TX" data-more="Texas"' in page

    consultation = text(provider.get("/referrals?stage=consultation"))
    assert OTHER in consultation and PATIENT not in consultation

    at_center = text(provider.get(f"/referrals?center={CENTER_Y}"))
    assert OTHER in at_center and PATIENT not in at_center

    overdue = text(provider.get("/referrals?overdue=1"))
    assert "Lettie Latecomer" in overdue and PATIENT not in overdue and OTHER not in overdue
    assert re.search(r"Overdue:</strong> Referred 3[01] days ago, no consultation yet", overdue)
    assert provider.get("/referrals?stage=nonsense").status_code == 400
    assert {at_x, late}  # made


def test_a_name_search_is_a_post_and_the_name_is_in_no_url(app, accounts, provider):
    mine = accounts["provider_a"].id
    refer_directly(app, mine, PATIENT)
    refer_directly(app, mine, OTHER)
    response = post(provider, "/referrals", {"search": "brightw", "stage": "referral"})
    assert response.status_code == 200
    body = text(response)
    assert PATIENT in body and OTHER not in body
    assert "1 patient whose name contains “brightw”" in body
    for url in urls(response):
        assert "brightw" not in url.lower(), url
    # Searching by a name never goes through a GET: the query string is ignored.
    assert OTHER in text(provider.get("/referrals?search=brightw"))
    assert ("referrals_searched", "ok") in actions(app)


def test_the_csv_export_holds_only_the_rows_the_user_may_see(app, accounts, provider, staff):
    refer_directly(app, accounts["provider_a"].id, PATIENT)
    refer_directly(app, accounts["provider_a"].id, OTHER, CENTER_Y)
    refer_directly(app, accounts["provider_b"].id, "=HYPERLINK(evil)")

    answer = provider.get("/referrals.csv")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == "attachment; filename=referrals.csv"
    assert answer.mimetype == "text/csv"
    names = {row["patient_name"] for row in csv.DictReader(io.StringIO(answer.text))}
    assert names == {PATIENT, OTHER}

    only_y = provider.get(f"/referrals.csv?center={CENTER_Y}")
    assert {row["patient_name"] for row in csv.DictReader(io.StringIO(only_y.text))} == {OTHER}

    at_x = staff.get(f"/staff/centers/{CENTER_X}/referrals.csv")
    rows = list(csv.DictReader(io.StringIO(at_x.text)))
    assert {row["patient_name"] for row in rows} == {PATIENT, "'=HYPERLINK(evil)"}
    assert ("referrals_exported", "ok") in actions(app)


def test_the_export_link_exports_exactly_the_rows_the_filtered_dashboard_shows(
    app, accounts, provider
):
    mine = accounts["provider_a"].id
    refer_directly(app, mine, PATIENT)
    refer_directly(app, mine, OTHER, CENTER_Y)
    refer_directly(app, mine, "Late Case", CENTER_Y, days_ago=40)
    refer_directly(app, mine, "Early Case", CENTER_X, days_ago=40)
    for query, names in (
        ({"center": CENTER_Y}, {OTHER, "Late Case"}),
        ({"center": CENTER_Y, "overdue": "1"}, {"Late Case"}),
        ({"overdue": "1"}, {"Late Case", "Early Case"}),
        ({"stage": "consultation"}, set()),
        ({"center": CENTER_X, "stage": "referral"}, {PATIENT, "Early Case"}),
    ):
        page = provider.get("/referrals", query_string=query)
        links = [url for url in urls(page) if url.startswith("/referrals.csv")]
        assert len(links) == 1, links
        answer = provider.get(unescape(links[0]))
        exported = {row["patient_name"] for row in csv.DictReader(io.StringIO(answer.text))}
        assert exported == names, query
        assert all(name in text(page) for name in names)


def test_the_export_link_carries_the_filters_but_never_the_name(app, accounts, provider):
    refer_directly(app, accounts["provider_a"].id, PATIENT)
    response = post(provider, "/referrals", {"search": "Octavia", "overdue": "1"})
    assert "/referrals.csv?overdue=1" in urls(response)


# --- The center's referrals ---------------------------------------------------------------


def test_the_center_sees_its_referrals_by_stage_with_counts_and_practices(app, accounts, staff):
    refer_directly(app, accounts["provider_a"].id, PATIENT)
    second = refer_directly(app, accounts["provider_b"].id, OTHER)
    refer_directly(app, accounts["provider_a"].id, "Elsewhere Person", CENTER_Y)
    move(app, accounts, second, "consultation", "benefits")

    page = staff.get(f"/staff/centers/{CENTER_X}/referrals")
    assert page.status_code == 200
    body = text(page)
    assert "2 referrals" in body and "Elsewhere Person" not in body
    assert body.index('id="stage-referral"') < body.index('id="stage-benefits"')
    assert '<a href="#stage-benefits">Benefits check</a>: 1' in body
    assert "Cape Cod Oncology" in body and "Lowell Hematology" in body

    found = post(staff, f"/staff/centers/{CENTER_X}/referrals", {"search": "quill"})
    assert OTHER in text(found) and PATIENT not in text(found)
    assert all("quill" not in url.lower() for url in urls(found))


def test_staff_of_several_centers_reach_each_centers_referrals(app, accounts):
    both = add_account(app, "staff_xy", role="staff", centers=[CENTER_X, CENTER_Y])
    refer_directly(app, accounts["provider_a"].id, PATIENT)
    refer_directly(app, accounts["provider_a"].id, OTHER, CENTER_Y)
    client = signed_in_client(app, both)
    page = client.get(f"/staff/centers/{CENTER_X}/referrals").get_data(as_text=True)
    switch = page.split('aria-label="Your centers"')[1].split("</nav>")[0]
    assert f'href="/staff/centers/{CENTER_X}/referrals" aria-current="page"' in switch
    assert f'href="/staff/centers/{CENTER_Y}/referrals"' in switch
    at_y = text(client.get(f"/staff/centers/{CENTER_Y}/referrals"))
    assert OTHER in at_y and PATIENT not in at_y


def test_the_header_links_each_role_to_its_referrals(app, provider, staff):
    assert 'href="/referrals">Referrals</a>' in provider.get("/account").get_data(as_text=True)
    assert f'href="/staff/centers/{CENTER_X}/referrals">Referrals</a>' in staff.get(
        "/account"
    ).get_data(as_text=True)


# --- The timeline ---------------------------------------------------------------------------


def test_the_timeline_shows_the_stay_plan_once_an_infusion_is_planned(app, provider):
    referral_id = refer_by_form(provider)
    before = text(provider.get(f"/referrals/{referral_id}"))
    assert "The stay plan appears once an infusion date is planned" in before

    planned = today() + timedelta(days=40)
    saved = post(
        provider,
        f"/referrals/{referral_id}/plan",
        {"planned_infusion": planned.isoformat(), "home": "Boston, MA"},
    )
    assert saved.status_code == 303
    body = text(provider.get(f"/referrals/{referral_id}"))
    assert "Stay within 2 hours of Dana-Farber" in body
    assert "Home (Boston, MA, located by city) is about" in body
    assert "inside the radius, no lodging needed." in body
    assert "Rule used: US labels from June 2025." in body

    post(
        provider,
        f"/referrals/{referral_id}/plan",
        {"planned_infusion": planned.isoformat(), "home": "Houston, TX"},
    )
    assert "beyond the radius: plan lodging near the center" in text(
        provider.get(f"/referrals/{referral_id}")
    )
    post(
        provider,
        f"/referrals/{referral_id}/plan",
        {"planned_infusion": planned.isoformat(), "home": ""},
    )
    assert "Home not given: add it to know whether lodging is needed." in text(
        provider.get(f"/referrals/{referral_id}")
    )


def test_a_bad_plan_is_refused_beside_its_field(app, provider):
    referral_id = refer_by_form(provider)
    response = post(
        provider,
        f"/referrals/{referral_id}/plan",
        {"planned_infusion": "soon", "home": "Springfield"},
    )
    assert response.status_code == 400
    assert field_error(response, "plan-infusion").startswith("Enter a date such as")
    assert field_error(response, "plan-home").startswith("More than one place has that name")


def test_staff_move_the_referral_and_the_provider_sees_the_stage(app, provider, staff):
    referral_id = refer_by_form(provider)
    page = staff.get(f"/referrals/{referral_id}")
    select_html = re.search(
        r'<select id="move-stage".*?</select>', page.get_data(as_text=True), re.S
    )[0]
    offered = re.findall(r'<option value="([a-z_]+)"', select_html)
    assert offered == ["consultation", "not_eligible", "declined", "deceased", "lost_to_follow_up"]

    moved = post(
        staff,
        f"/referrals/{referral_id}/stage",
        {"stage": "consultation", "at": today().isoformat(), "note": "Seen by Dr. Y"},
    )
    assert moved.status_code == 303
    assert "Recorded: Consultation." in text(staff.get(moved.headers["Location"]))
    row = text(provider.get("/referrals")).split("<tbody>")[1]
    assert "Consultation" in row
    assert ("referral_stage_recorded", "ok") in actions(app)


def test_a_refused_move_shows_the_domains_reason_and_records_nothing(app, provider, staff):
    referral_id = refer_by_form(provider)
    skipped = post(
        staff,
        f"/referrals/{referral_id}/stage",
        {"stage": "infusion", "at": today().isoformat(), "note": ""},
    )
    assert skipped.status_code == 422
    reason = (
        "Infusion cannot come before consultation, leukapheresis, manufacturing and "
        "lymphodepletion; this referral is at referral."
    )
    assert reason in text(skipped)
    assert field_error(skipped, "move-stage") == reason
    assert 'role="alert"' in skipped.get_data(as_text=True)

    future = post(
        staff,
        f"/referrals/{referral_id}/stage",
        {"stage": "consultation", "at": (today() + timedelta(days=2)).isoformat()},
    )
    assert future.status_code == 400
    assert field_error(future, "move-at").startswith("A stage can only be recorded once")

    no_date = post(staff, f"/referrals/{referral_id}/stage", {"stage": "consultation", "at": ""})
    assert no_date.status_code == 400
    with app.app_context():
        events = db.session().scalar(select(func.count()).select_from(ReferralEventRow))
        assert events == 1
    assert ("referral_stage_recorded", "stage_not_allowed") in actions(app)


def test_a_correction_keeps_the_old_entry_shown_as_corrected(app, provider, staff):
    referral_id = refer_by_form(provider)
    day = today().isoformat()
    for stage in ("consultation", "benefits"):
        post(staff, f"/referrals/{referral_id}/stage", {"stage": stage, "at": day})

    unexplained = post(
        staff,
        f"/referrals/{referral_id}/correction",
        {"stage": "leukapheresis", "at": day, "note": ""},
    )
    assert unexplained.status_code == 400
    assert field_error(unexplained, "fix-note") == "Say what was wrong."

    fixed = post(
        staff,
        f"/referrals/{referral_id}/correction",
        {"stage": "leukapheresis", "at": day, "note": "Benefits were cleared by the hub"},
    )
    assert fixed.status_code == 303
    body = text(staff.get(f"/referrals/{referral_id}"))
    history = body.split('<ol class="history"')[1].split("</ol>")[0]
    assert re.search(
        r"<del>[^<]*· Benefits check</del>\s*<span class=\"corrected-tag\">corrected by entry 4",
        history,
    )
    assert "Correction of entry 3" in history
    assert "Benefits were cleared by the hub" in history
    assert history.count("<li") == 4
    with app.app_context():
        assert db.session().get(ReferralRow, referral_id).stage == "leukapheresis"

    backwards = post(
        staff,
        f"/referrals/{referral_id}/correction",
        {"stage": "eligibility", "at": day, "note": "wrong"},
    )
    assert backwards.status_code == 422
    assert "A correction must still follow the stage order." in text(backwards)


def test_the_bookings_filed_under_the_referral_are_listed_with_links(
    app, accounts, provider, staff
):
    publish(app, CENTER_X)
    slot = slots(app, CENTER_X)[0]
    with app.app_context(), db.transaction() as session:
        catalog = current_catalog()
        made = book(
            session,
            BookingRequest(
                slot_id=slot.id,
                patient=Patient(name=PATIENT, birth_date=date(1961, 4, 12)),
                indication="LBCL",
                product=None,
                notes="",
            ),
            provider_id=accounts["provider_a"].id,
            centers=catalog.centers,
            products=catalog.products,
            now=datetime.now(UTC),
        )
        booking_id, referral_id = made.booking.id, made.booking.referral_id
    assert f'href="/bookings/{booking_id}"' in provider.get(f"/referrals/{referral_id}").text
    assert (
        f'href="/staff/centers/{CENTER_X}/bookings/{booking_id}"'
        in staff.get(f"/referrals/{referral_id}").text
    )
    dashboard = text(provider.get("/referrals")).split("<tbody>")[1]
    assert "None booked" not in dashboard


# --- Who may see what ------------------------------------------------------------------------


def test_another_provider_and_another_centers_staff_get_404(app, accounts, provider):
    referral_id = refer_by_form(provider)
    other = signed_in_client(app, accounts["provider_b"])
    staff_y = signed_in_client(app, accounts["staff_y"])
    for client in (other, staff_y):
        assert client.get(f"/referrals/{referral_id}").status_code == 404
        for action, data in (
            ("stage", {"stage": "consultation", "at": today().isoformat()}),
            ("correction", {"stage": "referral", "at": today().isoformat(), "note": "x"}),
            ("plan", {"planned_infusion": "", "home": ""}),
        ):
            assert post(client, f"/referrals/{referral_id}/{action}", data).status_code == 404
        assert PATIENT not in text(client.get("/referrals")) if client is other else True
    assert staff_y.get(f"/staff/centers/{CENTER_X}/referrals").status_code == 404
    assert staff_y.get(f"/staff/centers/{CENTER_X}/referrals.csv").status_code == 404
    assert provider.get(f"/staff/centers/{CENTER_X}/referrals").status_code == 403
    admin = signed_in_client(app, accounts["admin"])
    assert admin.get(f"/referrals/{referral_id}").status_code == 200
    assert provider.get("/referrals/99999999999").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/referrals/new",
        "/referrals",
        "/referrals/{id}/stage",
        "/referrals/{id}/correction",
        "/referrals/{id}/plan",
        f"/staff/centers/{CENTER_X}/referrals",
    ],
)
def test_every_post_needs_the_csrf_token(app, provider, staff, path):
    referral_id = refer_by_form(provider)
    client = staff if path.startswith("/staff") else provider
    response = client.post(
        path.format(id=referral_id), data={**form(), "stage": "consultation", "search": "Oct"}
    )
    assert response.status_code == 400
    assert "This form has expired" in text(response)
    with app.app_context():
        assert db.session().get(ReferralRow, referral_id).stage == "referral"
    assert referral_count(app) == 1
