"""A product may be given by the names people use: id, brand, generic or short name."""

import json

import pytest

from tests.domain_fixtures import PRODUCTS

SPELLINGS = [
    "breyanzi",
    "Breyanzi",
    "BREYANZI",
    "lisocabtagene maraleucel",
    "Lisocabtagene Maraleucel",
    "liso-cel",
    "Liso-Cel",
    "liso cel",
]
SHORT_NAMES = {
    "tisa-cel": "kymriah",
    "axi-cel": "yescarta",
    "brexu-cel": "tecartus",
    "liso-cel": "breyanzi",
    "ide-cel": "abecma",
    "cilta-cel": "carvykti",
    "obe-cel": "aucatzyl",
}


@pytest.mark.parametrize("name", SPELLINGS)
def test_every_spelling_names_the_product(name):
    assert PRODUCTS.resolve(name) == "breyanzi"


@pytest.mark.parametrize(("short", "product_id"), SHORT_NAMES.items())
def test_each_short_name_names_its_product(short, product_id):
    assert PRODUCTS.resolve(short) == product_id


def test_generic_names_resolve_for_every_product():
    for product in PRODUCTS.products:
        assert PRODUCTS.resolve(product.generic.upper()) == product.id
        assert PRODUCTS.resolve(product.name) == product.id


@pytest.mark.parametrize("name", ["nope", "", "cel", "breyanz", "kymriah; abecma"])
def test_unknown_names_resolve_to_nothing(name):
    assert PRODUCTS.resolve(name) is None


@pytest.mark.parametrize("name", SPELLINGS)
def test_the_api_accepts_every_spelling(client, name):
    by_id = client.get("/api/v1/centers", query_string={"near": "02115", "product": "breyanzi"})
    response = client.get("/api/v1/centers", query_string={"near": "02115", "product": name})
    assert response.status_code == 200, response.get_json()
    ids = [r["id"] for r in response.get_json()["results"]]
    assert ids and ids == [r["id"] for r in by_id.get_json()["results"]]


def test_the_api_still_refuses_an_unknown_product(client):
    response = client.get("/api/v1/centers", query_string={"near": "02115", "product": "nope"})
    assert response.status_code == 400
    assert "product" in response.get_json()["fields"]


@pytest.mark.parametrize("name", ["Breyanzi", "lisocabtagene maraleucel", "liso-cel"])
def test_the_command_line_accepts_every_spelling(runner, name):
    by_id = runner.invoke(args=["search", "02115", "--json", "--product", "breyanzi"])
    result = runner.invoke(args=["search", "02115", "--json", "--product", name])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["results"] == json.loads(by_id.output)["results"]


@pytest.mark.parametrize("name", ["Breyanzi", "lisocabtagene maraleucel", "LISO-CEL"])
def test_the_page_accepts_every_spelling_and_selects_the_product(client, name):
    response = client.get("/", query_string={"near": "02115", "product": name})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<option value="breyanzi" selected>' in html
    assert 'data-center-id="' in html
