"""The health check a load balancer asks: 200 while the database answers, 503 when it does not;
public, never rate limited, never audited."""

import logging

from sqlalchemy import func, select

from finder.storage import db
from finder.storage.models import AuditEventRow
from tests.live_server import free_port


def audit_events(app) -> int:
    with app.app_context():
        return int(db.session().scalar(select(func.count(AuditEventRow.id))) or 0)


def test_the_health_check_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_the_health_check_answers_503_when_the_database_does_not(make_app, caplog):
    nothing_listens = f"postgresql+psycopg://root@127.0.0.1:{free_port()}/finder"
    app = make_app(DATABASE_URL=nothing_listens)
    with caplog.at_level(logging.WARNING, logger="finder.web.health"):
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert "the database did not answer (OperationalError)" in caplog.text
    assert "127.0.0.1" not in caplog.text  # not the database's address


def test_the_health_check_is_never_rate_limited(make_app):
    client = make_app(RATELIMIT_ENABLED=True).test_client()
    answers = [client.get("/healthz") for _ in range(60)]
    assert {answer.status_code for answer in answers} == {200}
    assert not any("X-RateLimit-Limit" in answer.headers for answer in answers)


def test_the_health_check_writes_no_audit_event(app):
    before = audit_events(app)
    for _ in range(3):
        assert app.test_client().get("/healthz").status_code == 200
    assert audit_events(app) == before
