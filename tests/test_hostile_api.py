"""No server error for hostile input to the API: the full sweep of tests/test_hostile_input.py
(which holds the routes' parameters and the sweep) over the API's routes, on SQLite."""

import pytest
from flask import Flask

from tests.hostile import hostile_app
from tests.test_hostile_input import check_sweep


@pytest.fixture
def app(make_app) -> Flask:
    return hostile_app(make_app)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_hostile_request_to_the_api_is_a_server_error(app, accounts, database_url, caplog):
    check_sweep(app, accounts, database_url, caplog, api=True)
