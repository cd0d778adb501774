"""The `finder search` command: a readable table, or the API's JSON."""

import json


def test_search_prints_a_ranked_table(runner):
    result = runner.invoke(args=["search", "02115", "--limit", "3"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "rule us-2025" in lines[0]
    assert "Dana-Farber Cancer Institute" in lines[3]
    assert lines[3].rstrip().endswith("yes")


def test_search_json_matches_the_api_shape(runner, client):
    result = runner.invoke(args=["search", "Houston, TX", "--json", "--product", "tecartus"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    api = client.get("/api/v1/centers?near=Houston, TX&product=tecartus&limit=10").get_json()
    assert [r["id"] for r in body["results"]] == [r["id"] for r in api["results"]]
    assert body["results"][0]["id"] == "md-anderson-houston"


def test_search_of_an_ambiguous_city_lists_candidates(runner):
    result = runner.invoke(args=["search", "Springfield"])
    assert result.exit_code == 2
    assert "IL" in result.output and "MA" in result.output


def test_search_with_an_unknown_product_explains(runner):
    result = runner.invoke(args=["search", "02115", "--product", "nope"])
    assert result.exit_code == 2
    assert "Unknown product" in result.output


def test_search_of_an_island_says_no_road(runner):
    result = runner.invoke(args=["search", "Honolulu, HI", "--limit", "5"])
    assert result.exit_code == 0, result.output
    assert "no road" in result.output
