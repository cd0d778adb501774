"""Run the Alembic migrations from code, for `finder init-db` and the tests."""

from alembic import command
from alembic.config import Config

from finder.config import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str) -> None:
    """Bring the schema to the newest revision; does nothing when it is already there."""
    command.upgrade(alembic_config(database_url), "head")
