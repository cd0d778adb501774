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
