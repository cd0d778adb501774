"""Each (center, product) claim: its status, source and checked date, read from the claims
file beside the centers file; products without a claim of their own are `reported` on the
row's source. A product search lists confirmed and published claims first."""

import csv
from datetime import date
from pathlib import Path

import pytest

from finder.centers.files import read_network
from finder.data_files import skip_comments
from finder.domain.claims import ProductClaim, claims_of
from finder.domain.errors import InvalidCenterFile
from tests.conftest import SMALL_CENTERS
from tests.domain_fixtures import PRODUCTS

HEADER = "center_id,product,status,source,checked_on\n"
PAGE = "https://www.example.org/car-t"


def network(tmp_path: Path, claims: str) -> Path:
    centers = tmp_path / "centers.csv"
    centers.write_text(SMALL_CENTERS.read_text())
    (tmp_path / "center_claims.csv").write_text(HEADER + claims)
    return centers


def test_products_without_a_claim_are_reported_on_the_rows_source(tmp_path):
    centers = read_network(network(tmp_path, ""), None, PRODUCTS)
    chop = next(c for c in centers if c.id == "chop-philadelphia")
    assert chop.claims == (ProductClaim("kymriah", "reported", "test fixture", None),)


def test_a_listed_claim_wins_and_may_add_a_product(tmp_path):
    claims = (
        f"chop-philadelphia,Kymriah,published,{PAGE},2026-11-30\n"
        f"chop-philadelphia,obe-cel,reported,{PAGE}/news,2025-01-02\n"
    )
    centers = read_network(network(tmp_path, claims), None, PRODUCTS)
    chop = next(c for c in centers if c.id == "chop-philadelphia")
    assert chop.products == ("kymriah", "aucatzyl")
    assert chop.claims == (
        ProductClaim("kymriah", "published", PAGE, date(2026, 11, 30)),
        ProductClaim("aucatzyl", "reported", f"{PAGE}/news", date(2025, 1, 2)),
    )


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (f"nowhere,kymriah,published,{PAGE},2026-11-30", "center_id"),
        (f"chop-philadelphia,nope,published,{PAGE},2026-11-30", "product"),
        (f"chop-philadelphia,kymriah,rumoured,{PAGE},2026-11-30", "status"),
        ("chop-philadelphia,kymriah,published,public program information,2026-11-30", "source"),
        (f"chop-philadelphia,kymriah,published,{PAGE},30/11/2026", "checked_on"),
        (f"chop-philadelphia,kymriah,published,{PAGE},", "checked_on"),
    ],
)
def test_a_bad_claim_names_its_line_and_field(tmp_path, line, problem):
    with pytest.raises(InvalidCenterFile) as caught:
        read_network(network(tmp_path, line + "\n"), None, PRODUCTS)
    assert caught.value.problems[0].startswith(f"claims line 2: {problem}:")


def test_comment_lines_naming_the_sources_are_skipped_and_lines_keep_their_numbers(tmp_path):
    centers = network(tmp_path, "")
    claims = tmp_path / "center_claims.csv"
    good = f"chop-philadelphia,kymriah,published,{PAGE},2026-11-30\n"
    claims.write_text(f"# Sources: {PAGE}\n" + HEADER + good)
    chop = next(c for c in read_network(centers, None, PRODUCTS) if c.id == "chop-philadelphia")
    assert chop.claims == (ProductClaim("kymriah", "published", PAGE, date(2026, 11, 30)),)
    claims.write_text(f"# Sources: {PAGE}\n" + HEADER + good.replace("kymriah", "nope"))
    with pytest.raises(InvalidCenterFile) as caught:
        read_network(centers, None, PRODUCTS)
    assert caught.value.problems[0].startswith("claims line 3: product:")


def test_a_claim_listed_twice_is_refused(tmp_path):
    line = f"chop-philadelphia,kymriah,published,{PAGE},2026-11-30\n"
    with pytest.raises(InvalidCenterFile) as caught:
        read_network(network(tmp_path, line + line.replace("kymriah", "Kymriah")), None, PRODUCTS)
    assert "duplicate of line 2" in caught.value.problems[0]


def test_a_claim_older_than_a_year_is_stale():
    claim = ProductClaim("kymriah", "published", PAGE, date(2025, 12, 1))
    assert not claim.stale(date(2026, 12, 1))
    assert claim.stale(date(2026, 12, 2))
    assert ProductClaim("kymriah", "reported", PAGE, None).stale(date(2026, 1, 1))


def test_claims_of_keeps_the_listed_ones():
    listed = [ProductClaim("yescarta", "published", PAGE, None)]
    claims = claims_of(["kymriah", "yescarta"], "row", None, listed)
    assert [(c.product, c.status) for c in claims] == [
        ("yescarta", "published"),
        ("kymriah", "reported"),
    ]


def test_a_product_search_lists_published_first_and_flags_the_reported(make_app, tmp_path):
    from finder.centers.use_cases import load_centers_file
    from finder.extensions import catalog_cache

    claims = f"penn-philadelphia,yescarta,published,{PAGE},2020-01-01\n"
    app = make_app()
    with app.app_context():
        load_centers_file(network(tmp_path, claims), catalog_cache().products)
    client = app.test_client()
    query = {"near": "02115", "product": "axi-cel", "limit": 5}
    results = client.get("/api/v1/centers", query_string=query).get_json()["results"]
    assert results[0]["id"] == "penn-philadelphia"  # farther than Boston or New York
    assert results[0]["claim"] == {
        "product": "yescarta",
        "status": "published",
        "source": PAGE,
        "checked_on": "2020-01-01",
        "stale": True,
    }
    assert not results[0]["rests_on_reported"]
    assert all(r["rests_on_reported"] for r in results[1:])
    plain = client.get("/api/v1/centers", query_string={"near": "02115"}).get_json()["results"]
    assert plain[0]["claim"] is None and not plain[0]["rests_on_reported"]


def test_the_shipped_claims_file_names_known_centers_with_a_source():
    from finder.config import PROJECT_ROOT

    data = PROJECT_ROOT / "data"
    centers = read_network(data / "centers.csv", None, PRODUCTS)
    with (data / "center_claims.csv").open(newline="") as handle:
        skip_comments(handle)
        rows = list(csv.DictReader(handle))
    assert rows
    by_id = {center.id: center for center in centers}
    for row in rows:
        assert row["source"].startswith(("https://", "http://"))
        claim = by_id[row["center_id"]].claim_for(PRODUCTS.resolve(row["product"]) or "")
        assert claim is not None and claim.status == row["status"]
