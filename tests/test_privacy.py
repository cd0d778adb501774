"""A patient's location never reaches a log, and the gazetteer is built once per process."""

import logging

from finder.geocoding import gazetteer
from finder.web.request_log import GUNICORN_ACCESS_FORMAT, StripQueryStrings


def test_the_development_server_log_line_loses_its_query_string():
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, '%s - - "%s" %s %s',
        ("127.0.0.1", "GET /api/v1/centers?near=12+Elm+St+Boston HTTP/1.1", "200", "-"), None,
    )  # fmt: skip
    StripQueryStrings().filter(record)
    line = record.getMessage()
    assert "Elm" not in line
    assert "GET /api/v1/centers HTTP/1.1" in line


def test_the_gunicorn_access_log_records_the_path_without_the_query():
    assert "%(U)s" in GUNICORN_ACCESS_FORMAT
    assert "%(r)s" not in GUNICORN_ACCESS_FORMAT and "%(q)s" not in GUNICORN_ACCESS_FORMAT


def test_no_log_record_carries_the_address(client, caplog):
    caplog.set_level(logging.DEBUG)
    client.get("/api/v1/centers", query_string={"near": "77 Secretlane Rd, Boston, MA 02115"})
    client.get("/api/v1/centers", query_string={"near": "Secretville, ZZ"})
    client.get("/api/v1/geocode", query_string={"q": "Secretlane"})
    assert "Secret" not in caplog.text


def test_error_messages_never_repeat_the_address(client):
    for text in ("Secretville, ZZ", "12 Secretlane Rd", "Secret <b>"):
        body = client.get("/api/v1/centers", query_string={"near": text}).get_data(as_text=True)
        assert "Secret" not in body


def test_the_gazetteer_is_built_once_not_per_request(client):
    client.get("/api/v1/geocode?q=02115")
    built = gazetteer._build_gazetteer.cache_info().misses
    for query in ("60637", "Denver, CO", "Houston TX"):
        assert client.get("/api/v1/geocode", query_string={"q": query}).status_code == 200
    assert gazetteer._build_gazetteer.cache_info().misses == built <= 1


def test_creating_the_app_does_not_build_the_gazetteer(make_app):
    gazetteer._build_gazetteer.cache_clear()
    make_app()
    assert gazetteer._build_gazetteer.cache_info().currsize == 0
