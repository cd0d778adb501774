"""`finder users`: accounts from the terminal, for the first admin and for scripted setups."""

import sys
from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from finder import wiring
from finder.accounts import use_cases
from finder.audit import Origin
from finder.domain.accounts import ROLES
from finder.domain.errors import DomainError
from finder.storage import db


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
