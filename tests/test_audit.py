"""The audit log: who, what, when, from where, never the secret or health information itself."""

import csv
import io

from sqlalchemy import select

from finder.storage import db
from finder.storage.models import AuditEventRow
from tests.accounts import PASSWORD, csrf_token, sign_in, signed_in_client


def _events(app):
    with app.app_context():
        return list(db.session().scalars(select(AuditEventRow).order_by(AuditEventRow.id)))


def test_sign_in_success_and_failure_are_recorded_with_where_from(app, accounts):
    client = app.test_client()
    sign_in(client, accounts["provider_a"].email, "wrong password")
    sign_in(client, accounts["provider_a"].email)
    failed, succeeded = _events(app)[-2:]
    assert (failed.action, failed.outcome, failed.actor_id) == (
        "sign_in",
        "invalid_credentials",
        None,
    )
    assert (succeeded.action, succeeded.outcome) == ("sign_in", "ok")
    assert succeeded.actor_id == accounts["provider_a"].id
    assert succeeded.actor_role == "provider"
    assert succeeded.ip == "127.0.0.1"
    assert succeeded.user_agent.startswith("Werkzeug")


def test_the_log_never_holds_a_password_or_an_attempted_email(app, accounts):
    client = app.test_client()
    sign_in(client, "typo.person@example.org", "hunter2 hunter2")
    text = repr([vars(event) for event in _events(app)])
    assert "typo.person" not in text
    assert "hunter2" not in text
    assert PASSWORD not in text


def test_account_changes_are_recorded_with_the_admin_as_actor(app, accounts):
    admin = signed_in_client(app, accounts["admin"])
    admin.post(
        f"/admin/users/{accounts['provider_b'].id}/active",
        data={"active": "0", "csrf_token": csrf_token(admin)},
    )
    event = _events(app)[-1]
    assert event.action == "user_deactivated"
    assert (event.actor_id, event.target_type, event.target_id) == (
        accounts["admin"].id,
        "user",
        str(accounts["provider_b"].id),
    )


def test_tokens_issued_and_revoked_are_recorded(app, accounts):
    from tests.accounts import bearer_token

    token = bearer_token(app, accounts["staff_x"].email)
    app.test_client().delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {token}"})
    actions = [event.action for event in _events(app)]
    assert actions[-2:] == ["token_issued", "token_revoked"]


def test_admins_read_the_log_filtered_and_reading_it_is_recorded(app, accounts):
    admin = signed_in_client(app, accounts["admin"])
    page = admin.get("/admin/audit?action=sign_in")
    assert page.status_code == 200
    assert page.data.count(b"<td>sign_in</td>") == 1
    assert _events(app)[-1].action == "audit_viewed"


def test_admins_export_the_log_as_csv(app, accounts):
    admin = signed_in_client(app, accounts["admin"])
    response = admin.get("/admin/audit.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0]["action"] == "audit_exported"
    assert {"sign_in", "audit_exported"} <= {row["action"] for row in rows}
    assert rows[0]["actor_email"] == accounts["admin"].email


def test_a_csv_cell_cannot_become_a_spreadsheet_formula(app, accounts):
    client = app.test_client()
    client.post(
        "/sign-in",
        data={"email": "x@example.org", "password": "x", "csrf_token": csrf_token(client)},
        headers={"User-Agent": '=HYPERLINK("http://evil.example")'},
    )
    admin = signed_in_client(app, accounts["admin"])
    text = admin.get("/admin/audit.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text


def test_a_bad_date_filter_is_a_clear_400(app, accounts):
    admin = signed_in_client(app, accounts["admin"])
    response = admin.get("/admin/audit?since=yesterday")
    assert response.status_code == 400
    assert b"YYYY-MM-DD" in response.data


def test_only_admins_read_the_log(app, accounts):
    for key in ("provider_a", "staff_x"):
        client = signed_in_client(app, accounts[key])
        assert client.get("/admin/audit").status_code == 403
        assert client.get("/admin/audit.csv").status_code == 403
