"""The search page, server side: statuses, messages, the map's parts, languages."""

from datetime import date

from finder.domain.stay_plan import example_infusion_dates, stay_plan
from tests.domain_fixtures import RULES


def test_the_empty_page_shows_the_form(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'for="near"' in html and 'id="near"' in html
    assert "skip-link" in html
    assert "leaflet" not in html  # no map until there are results


def test_results_list_and_map_come_together(client):
    html = client.get("/?near=02115").get_data(as_text=True)
    assert 'data-center-id="dana-farber-boston"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "/static/basemap/us-states.geojson" in html
    assert "user-scalable=no" not in html
    assert "cdn" not in html.lower()


def test_each_center_says_what_the_rule_means_with_dates(client):
    html = client.get("/?near=02115").get_data(as_text=True)
    assert "You could stay at home" in html
    assert "(day 14)" in html


def test_the_legacy_rule_gives_four_weeks_and_eight_weeks(client):
    html = client.get("/?near=02115&rule=us-rems-2024").get_data(as_text=True)
    assert "(day 28)" in html and "(day 56)" in html


def test_an_island_patient_is_told_there_is_no_road(client):
    html = client.get("/?near=96813").get_data(as_text=True)
    assert "No road: travel and lodging needed" in html


def test_an_ambiguous_place_lists_links_to_each_candidate(client):
    response = client.get("/?near=Springfield&indication=MM")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "near=Springfield,+IL" in html or "near=Springfield%2C+IL" in html
    assert "indication=MM" in html


def test_an_unknown_place_says_so_without_repeating_it(client):
    response = client.get("/?near=Secretville, ZZ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    alert = html.split('role="alert"')[1].split("</div>")[0]
    assert "could not find that place" in alert
    assert "Secretville" not in alert


def test_a_bad_choice_is_a_400_with_a_message(client):
    response = client.get("/?near=02115&product=unobtainium")
    assert response.status_code == 400
    assert "not understood" in response.get_data(as_text=True)


def test_no_match_says_so(client):
    response = client.get("/?near=02115&population=pediatric&indication=MM")
    assert response.status_code == 200
    assert "No authorized center matches" in response.get_data(as_text=True)


def test_spanish_by_parameter_and_by_browser(client):
    by_parameter = client.get("/?near=02115&lang=es").get_data(as_text=True)
    assert '<html lang="es">' in by_parameter
    assert "Podría quedarse en casa" in by_parameter
    by_header = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert "Encuentre un centro autorizado" in by_header.get_data(as_text=True)


def test_the_language_switch_keeps_the_search(client):
    html = client.get("/?near=02115").get_data(as_text=True)
    assert 'hreflang="es"' in html
    assert "/?near=02115&amp;lang=es" in html


def test_a_tile_server_replaces_the_offline_basemap(make_app):
    from finder.centers.use_cases import load_centers_file
    from finder.extensions import catalog_cache
    from tests.conftest import SMALL_CENTERS

    app = make_app(TILE_URL="http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png")
    with app.app_context():
        load_centers_file(SMALL_CENTERS, catalog_cache().products)
    html = app.test_client().get("/?near=02115").get_data(as_text=True)
    assert "127.0.0.1:8080/tiles" in html
    assert "us-states.geojson" not in html


def test_an_unknown_page_is_an_html_404(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "text/html" in response.content_type


def test_a_split_dose_plan_runs_from_the_first_infusion_to_the_stay_after_the_last():
    rule = RULES.get("us-2025")
    days = example_infusion_dates(date(2027, 1, 4), (1, 10))
    plan = stay_plan(days, rule, within_proximity=True)
    assert plan.first_infusion == date(2027, 2, 1)
    assert plan.last_infusion == date(2027, 2, 10)
    assert plan.stay_until == date(2027, 2, 24)
    assert plan.no_driving_until == date(2027, 2, 24)


def test_aucatzyl_search_shows_the_split_dose_span(client):
    html = client.get("/?near=91010&product=aucatzyl").get_data(as_text=True)
    assert "(day 23)" in html  # infusions on days 1 and 10, then 14 days


def test_a_bad_choice_keeps_what_was_typed_and_names_the_field(client):
    response = client.get("/?near=60637&product=unobtainium")
    html = response.get_data(as_text=True)
    assert 'value="60637"' in html
    assert "(Product)" in html.split('role="alert"')[1]


def test_the_zone_label_follows_the_rule_radius(client):
    html = client.get("/?near=02115").get_data(as_text=True)
    assert "Within 2 hours by road (estimate)" in html
