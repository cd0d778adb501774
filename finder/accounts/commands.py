"""`finder users`: accounts from the terminal, for the first admin and for scripted setups."""

import sys
from datetime import UTC, datetime, timedelta

import click
from flask.cli import with_appcontext

from finder import wiring
from finder.accounts import use_cases
from finder.accounts.users import all_users, find_user
from finder.audit import Origin
from finder.domain.accounts import ROLES
from finder.domain.errors import DomainError
from finder.public_url import public_link
from finder.storage import db
from finder.storage.models import UserRow
from finder.unit_of_work import UnitOfWork


@click.group("users")
def users() -> None:
    """Manage accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--center", "centers", multiple=True, help="A center id (staff); repeatable.")
@click.option("--practice", default="", help="The provider's practice.")
@click.option("--name", default="")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input; without it the account needs an invitation.",
)
@with_appcontext
def create(
    email: str, role: str, centers: tuple[str, ...], practice: str, name: str, password_stdin: bool
) -> None:
    """Create an account."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    uow = wiring.unit_of_work(
        db.session(), now=datetime.now(UTC), origin=Origin(user_agent="finder users create")
    )
    try:
        created = use_cases.create_account(
            uow,
            email=email,
            role=role,
            centers=centers,
            practice=practice,
            name=name,
            password=password,
        )
    except DomainError as error:
        uow.rollback()
        click.echo(f"Not created: {error.message}", err=True)
        sys.exit(1)
    user = created.user
    click.echo(f"Created {user.role} {user.email} (user {user.id}).")


def _terminal(command: str) -> UnitOfWork:
    """A unit of work for the trusted terminal (no signed-in actor)."""
    return wiring.unit_of_work(
        db.session(), now=datetime.now(UTC), origin=Origin(user_agent=f"finder users {command}")
    )


def _account(email: str) -> UserRow:
    user = find_user(db.session(), email)
    if user is None:
        click.echo(f"No account has the email {email.strip()}.", err=True)
        sys.exit(1)
    return user


@users.command("list")
@click.option("--role", type=click.Choice(ROLES), help="Only accounts of this role.")
@click.option("--inactive", is_flag=True, help="Only deactivated accounts.")
@with_appcontext
def list_users(role: str | None, inactive: bool) -> None:
    """List accounts: id, email, role, active or not, name, practice or centers."""
    shown = 0
    for user in all_users(db.session()):
        if (role and user.role != role) or (inactive and user.active):
            continue
        shown += 1
        where = ", ".join(sorted(user.center_ids)) if user.center_ids else user.practice
        state = "active" if user.active else "deactivated"
        click.echo(f"{user.id}\t{user.email}\t{user.role}\t{state}\t{user.name}\t{where}")
    if not shown:
        click.echo("No accounts.", err=True)


def _set_active(email: str, active: bool) -> None:
    user = _account(email)
    uow = _terminal("activate" if active else "deactivate")
    try:
        use_cases.set_active(uow, user.id, active)
    except DomainError as error:
        uow.rollback()
        click.echo(f"Not changed: {error.message}", err=True)
        sys.exit(1)
    if active:
        click.echo(f"Activated {user.email} (user {user.id}).")
    else:
        click.echo(f"Deactivated {user.email} (user {user.id}); their sessions and tokens ended.")


@users.command("deactivate")
@click.argument("email")
@with_appcontext
def deactivate(email: str) -> None:
    """Deactivate an account: it can no longer sign in, and its sessions and tokens end."""
    _set_active(email, False)


@users.command("activate")
@click.argument("email")
@with_appcontext
def activate(email: str) -> None:
    """Activate a deactivated account again."""
    _set_active(email, True)


@users.command("set-role")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--center", "centers", multiple=True, help="A center id (staff); repeatable.")
@click.option("--practice", default=None, help="The provider's practice (kept if not given).")
@with_appcontext
def set_role(email: str, role: str, centers: tuple[str, ...], practice: str | None) -> None:
    """Change an account's role (and a staff member's centers)."""
    user = _account(email)
    uow = _terminal("set-role")
    try:
        use_cases.assign(
            uow,
            user.id,
            role=role,
            practice=user.practice if practice is None else practice,
            centers=centers,
        )
    except DomainError as error:
        uow.rollback()
        click.echo(f"Not changed: {error.message}", err=True)
        sys.exit(1)
    click.echo(f"{user.email} (user {user.id}) is now {role}.")


@users.command("reset-link")
@click.argument("email")
@with_appcontext
def reset_link(email: str) -> None:
    """Print a one-time password link for the account (when mail cannot reach them)."""
    uow = _terminal("reset-link")
    try:
        user, secret = use_cases.issue_reset_link(uow, email)
    except DomainError as error:
        uow.rollback()
        click.echo(f"No link: {error.message}", err=True)
        sys.exit(1)
    minutes = use_cases.RESET_VALID_FOR // timedelta(minutes=1)
    click.echo(f"A password link for {user.email}, valid once within {minutes} minutes:")
    click.echo(public_link("account.reset_password", token=secret))
