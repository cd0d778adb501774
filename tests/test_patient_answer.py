"""The results answer the patient first; a page per center; words; language; delivery."""

import gzip
import re

import pytest
from flask import Flask

from finder.config import PROJECT_ROOT


@pytest.fixture
def real(make_app) -> Flask:
    """The app with the shipped centers list."""
    from finder.centers.use_cases import load_centers_file
    from finder.extensions import catalog_cache

    app = make_app()
    with app.app_context():
        load_centers_file(PROJECT_ROOT / "data" / "centers.csv", catalog_cache().products)
    return app


def page(app: Flask, query: str, **headers: str) -> str:
    response = app.test_client().get(query, headers=headers)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def answer_of(html: str) -> str:
    block = html.split('id="answer"')[1].split("</div>")[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block))


def listed(html: str, marker: str = 'class="center-list"') -> list[str]:
    part = html.split(marker)[1].split("</ol>")[0]
    return re.findall(r'data-center-id="([^"]+)"', part)


def test_helena_hears_that_no_center_is_near_and_what_the_stay_means(real):
    html = page(real, "/?near=Helena, MT")
    text = answer_of(html)
    assert "No center is within 2 hours of you by road" in text
    assert "with a caregiver, for 14 days" in text
    assert "Example only, not an appointment: if the infusion were on" in text


def test_honolulu_myeloma_shows_the_local_centers_that_may_offer_it(real):
    html = page(real, "/?near=Honolulu, HI&indication=MM")
    text = answer_of(html)
    assert "may offer it but" in text and "call to ask" in text
    assert "straub-benioff-honolulu" in listed(html, 'class="center-list maybe-list"')
    assert "May offer it: call to ask" in html


def test_chicago_myeloma_keeps_a_center_without_a_product_list_as_may_offer(real):
    # NorthShore Evanston's row names no product: it may treat myeloma, so call to ask.
    html = page(real, "/?near=Chicago, IL&indication=MM")
    assert "northshore-evanston" in listed(html, 'class="center-list maybe-list"')


def test_an_unspecified_age_searches_adult_programs(real):
    html = page(real, "/?near=Chicago, IL")
    ids = listed(html)
    assert ids and "lurie-childrens-chicago" not in ids
    assert "children" not in ids[0]


def test_a_childs_search_marks_childrens_programs(real):
    html = page(real, "/?near=Chicago, IL&population=pediatric")
    assert "Children&#39;s program" in html or "Children's program" in html


def test_a_product_no_center_lists_says_so(make_app, tmp_path):
    from finder.centers.use_cases import load_centers_file
    from finder.extensions import catalog_cache

    rows = (PROJECT_ROOT / "data" / "centers.csv").read_text().splitlines()
    without = tmp_path / "centers.csv"
    without.write_text("\n".join(r for r in rows if "aucatzyl" not in r) + "\n")
    app = make_app()
    with app.app_context():
        load_centers_file(without, catalog_cache().products)  # no claims file: no claim for it
    html = page(app, "/?near=Chicago, IL&product=aucatzyl")
    assert "No center in this list says yet that it gives Aucatzyl" in answer_of(html)


def test_words_plurals_and_thousands(real):
    html = page(real, "/?near=96813&product=yescarta")
    assert re.search(r"\d,\d{3} miles", html)
    assert "Proximity rule" not in html and "REMS" not in html.split("</form>")[0]
    assert not re.search(r"\b[01] miles\b", html)


def test_spanish_thousands_and_cookie_keeps_the_language(real):
    client = real.test_client()
    html = client.get("/?near=96813&product=yescarta&lang=es").get_data(as_text=True)
    assert 'lang="es"' in html and re.search(r"\d\.\d{3} millas|\d,\d{3} millas", html)
    assert client.get_cookie("lang").value == "es"
    center = client.get("/centers/dana-farber-boston").get_data(as_text=True)
    assert '<html lang="es">' in center


def test_the_form_sends_the_view_to_the_answer(real):
    html = page(real, "/")
    assert 'action="/#answer"' in html


def test_the_center_page_has_contact_directions_plan_lodging_support_and_share(real):
    html = page(real, "/centers/dana-farber-boston?near=Portland, ME&product=yescarta")
    directions = html.split("google.com/maps")[1][:300]
    assert "Portland" not in directions
    assert "AstraZeneca Hope Lodge" in html and "cancer.org" in html
    assert "Kite Konnect" in html
    assert "example only" in html.lower()
    assert "mailto:?subject=" in html
    share = re.search(r'id="share-link" type="text" readonly value="([^"]+)"', html).group(1)
    assert share.startswith("http://127.0.0.1:5000/centers/dana-farber-boston")


def test_the_center_page_leaves_a_street_address_out_of_the_shared_link(real):
    html = page(real, "/centers/dana-farber-boston?near=1 Main St, Portland, ME 04101")
    share = re.search(r'id="share-link" type="text" readonly value="([^"]+)"', html).group(1)
    assert "Main" not in share and "04101" in share


def test_a_childrens_center_lists_family_lodging_not_the_adult_lodge(real):
    html = page(real, "/centers/lurie-childrens-chicago")
    assert "Ronald McDonald House near Lurie" in html
    hope = page(real, "/centers/kapiolani-honolulu")
    assert "Hope Lodge" not in hope


def test_an_unknown_center_is_a_404(real):
    assert real.test_client().get("/centers/no-such-center").status_code == 404


def test_the_map_numbers_markers_and_runs_east_of_the_date_line_for_guam(real):
    html = page(real, "/?near=96910")
    script = html.split("L.geoJSON(")[-1]
    lons = [float(x) for x in re.findall(r'"coordinates": \[(-?[\d.]+), ', html)]
    assert lons and all(lon > 0 for lon in lons)  # Hawaii at about 202, not -158
    assert '"rank": 1' in html and "center-marker" in html
    assert script


def test_markers_at_one_point_are_spread(real):
    html = page(real, "/?near=77030")
    shifts = set(re.findall(r'"shift": (-?[\d.]+)', html))
    assert len(shifts) > 1


def test_pages_are_gzipped_and_static_files_versioned_and_cached(real):
    client = real.test_client()
    response = client.get("/?near=02115", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(response.data).decode()
    static = re.search(r"/static/basemap/us-states\.geojson\?v=[0-9a-f]{12}", html).group(0)
    with client.get(static, headers={"Accept-Encoding": "gzip"}) as asset:
        assert asset.headers["Content-Encoding"] == "gzip"
        assert "immutable" in asset.headers["Cache-Control"]
        assert len(asset.data) < 100_000
