"""`finder users create`: the first admin, from the terminal."""

from sqlalchemy import select

from finder.storage import db
from finder.storage.models import UserRow
from tests.accounts import sign_in

ARGS = ["users", "create", "--email", "Root@Example.org", "--role", "admin", "--password-stdin"]


def test_creates_an_admin_who_can_sign_in(app, runner):
    result = runner.invoke(args=ARGS, input="maple river lantern\n")
    assert result.exit_code == 0, result.output
    assert "Created admin root@example.org" in result.output
    assert sign_in(app.test_client(), "root@example.org", "maple river lantern").status_code == 302


def test_creates_staff_bound_to_their_centers(app, runner):
    args = ["users", "create", "--email", "c@example.org", "--role", "staff",
            "--center", "msk-new-york", "--center", "penn-philadelphia"]  # fmt: skip
    assert runner.invoke(args=args).exit_code == 0
    with app.app_context():
        user = db.session().scalar(select(UserRow).where(UserRow.email == "c@example.org"))
        assert user.center_ids == {"msk-new-york", "penn-philadelphia"}
        assert user.password_hash is None


def test_refuses_a_weak_password_and_creates_nothing(app, runner):
    result = runner.invoke(args=ARGS, input="password\n")
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    assert "password\n" not in result.output
    with app.app_context():
        assert db.session().scalar(select(UserRow)) is None


def test_refuses_an_unknown_center_and_a_second_account_for_one_email(app, runner):
    bad = ["users", "create", "--email", "s@example.org", "--role", "staff", "--center", "nope"]
    assert "Unknown center: nope" in runner.invoke(args=bad).output
    assert runner.invoke(args=ARGS, input="maple river lantern\n").exit_code == 0
    again = runner.invoke(args=ARGS, input="maple river lantern\n")
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_staff_without_a_center_is_refused(app, runner):
    result = runner.invoke(args=["users", "create", "--email", "s@example.org", "--role", "staff"])
    assert result.exit_code == 1
    assert "at least one center" in result.output


# list, deactivate, activate, set-role, reset-link -----------------------------------------------


def _make(runner, email: str, role: str = "provider", *extra: str) -> None:
    args = ["users", "create", "--email", email, "--role", role, *extra]
    assert runner.invoke(args=args).exit_code == 0


def test_lists_accounts_with_their_role_state_and_centers(app, runner):
    _make(runner, "p@example.org", "provider", "--practice", "Cape Cod Oncology")
    _make(runner, "s@example.org", "staff", "--center", "msk-new-york")
    listed = runner.invoke(args=["users", "list"])
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert any("p@example.org\tprovider\tactive" in line and "Cape Cod" in line for line in lines)
    assert any("s@example.org\tstaff\tactive" in line and "msk-new-york" in line for line in lines)
    staff_only = runner.invoke(args=["users", "list", "--role", "staff"]).output
    assert "s@example.org" in staff_only and "p@example.org" not in staff_only


def test_deactivates_and_activates_by_email_with_clear_errors(app, runner):
    args = ["users", "create", "--email", "p@example.org", "--role", "provider",
            "--password-stdin"]  # fmt: skip
    result = runner.invoke(args=args, input="maple river lantern\n")
    assert result.exit_code == 0
    off = runner.invoke(args=["users", "deactivate", "P@Example.org"])
    assert off.exit_code == 0 and "Deactivated p@example.org" in off.output
    assert sign_in(app.test_client(), "p@example.org", "maple river lantern").status_code == 401
    inactive = runner.invoke(args=["users", "list", "--inactive"]).output
    assert "p@example.org\tprovider\tdeactivated" in inactive
    on = runner.invoke(args=["users", "activate", "p@example.org"])
    assert on.exit_code == 0 and "Activated" in on.output
    assert sign_in(app.test_client(), "p@example.org", "maple river lantern").status_code == 302
    missing = runner.invoke(args=["users", "deactivate", "nobody@example.org"])
    assert (
        missing.exit_code == 1 and "No account has the email nobody@example.org" in missing.output
    )


def test_changes_a_role_and_refuses_an_unknown_center(app, runner):
    _make(runner, "p@example.org")
    moved = runner.invoke(
        args=["users", "set-role", "p@example.org", "--role", "staff", "--center", "msk-new-york"]
    )
    assert moved.exit_code == 0 and "is now staff" in moved.output
    with app.app_context():
        user = db.session().scalar(select(UserRow).where(UserRow.email == "p@example.org"))
        assert (user.role, user.center_ids) == ("staff", {"msk-new-york"})
    bad = runner.invoke(args=["users", "set-role", "p@example.org", "--role", "staff",
                              "--center", "nope"])  # fmt: skip
    assert bad.exit_code == 1 and "Unknown center: nope" in bad.output


def test_prints_a_reset_link_on_the_public_address_that_sets_a_password(app, runner):
    _make(runner, "p@example.org")
    app.config["PUBLIC_URL"] = "https://finder.clinic.example"
    result = runner.invoke(args=["users", "reset-link", "p@example.org"])
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert link.startswith("https://finder.clinic.example/password/reset?token=")
    token = link.split("token=")[1]
    client = app.test_client()
    page = client.get(f"/password/reset?token={token}")
    assert page.status_code == 200
    runner.invoke(args=["users", "deactivate", "p@example.org"])
    refused = runner.invoke(args=["users", "reset-link", "p@example.org"])
    assert refused.exit_code == 1 and "deactivated" in refused.output
