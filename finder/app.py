"""The application factory."""

from typing import Any

from flask import Flask

from finder import config
from finder.catalog import CatalogCache
from finder.geocoding import get_geocoder
from finder.storage import db
from finder.web import errors, i18n, request_log
from finder.web.api import api
from finder.web.pages import pages


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment, or from `test_config` when given."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        static_folder=str(config.PROJECT_ROOT / "static"),
        template_folder=str(config.PROJECT_ROOT / "templates"),
    )
    app.config.from_mapping(config.from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    register_storage(app)
    register_geocoder(app)
    register_web(app)
    register_commands(app)
    return app


def register_storage(app: Flask) -> None:
    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        from pathlib import Path

        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    app.extensions["finder.catalog"] = CatalogCache(app.config["DATA_DIR"])


def register_geocoder(app: Flask) -> None:
    app.extensions["finder.geocoder"] = get_geocoder(
        app.config["GEOCODER"], user_agent=app.config["GEOCODER_USER_AGENT"]
    )


def register_web(app: Flask) -> None:
    app.json.sort_keys = False  # type: ignore[attr-defined]
    errors.register(app)
    request_log.register(app)
    i18n.init_app(app)
    app.register_blueprint(api)
    app.register_blueprint(pages)


def register_commands(app: Flask) -> None:
    from finder import cli

    cli.init_app(app)
