"""No server error for hostile input on PostgreSQL: every route's usual request as every caller,
and as its first caller the hostile values PostgreSQL's storage treats otherwise than SQLite's
(the sweep of tests/test_hostile_input.py, which holds the routes' parameters)."""

import pytest
from flask import Flask

from tests.hostile import hostile_app
from tests.test_hostile_input import check_sweep


@pytest.fixture
def app(make_app) -> Flask:
    return hostile_app(make_app)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_no_hostile_request_on_postgresql_is_a_server_error(app, accounts, database_url, caplog):
    check_sweep(app, accounts, database_url, caplog, api=None)
