"""The application factory."""

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from finder import config, wiring
from finder.accounts import api as account_api
from finder.accounts.admin import admin
from finder.accounts.pages import account
from finder.accounts.settings_page import settings
from finder.booking import api as booking_api
from finder.booking.pages import staff_bookings, staff_calendar, staff_closures
from finder.booking.pages.fhir import fhir
from finder.booking.pages.staff import staff
from finder.centers import api as center_api
from finder.centers.catalog import CatalogCache
from finder.centers.pages import center_pages
from finder.coverage import api as coverage_api
from finder.coverage.pages import coverage_pages
from finder.geocoding import get_geocoder
from finder.mail import sender_from_config
from finder.referrals import api as referral_api
from finder.search import api as search_api
from finder.search.pages import pages
from finder.storage import db
from finder.waitlist import api as waitlist_api
from finder.waitlist.pages import waitlist_pages
from finder.web import (
    access,
    auth,
    delivery,
    errors,
    hosts,
    i18n,
    ids,
    limits,
    outcomes,
    protection,
    reading,
    request_log,
)
from finder.web.api import api
from finder.web.health import health


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
    register_mail(app)
    register_web(app)
    register_commands(app)
    return app


def register_storage(app: Flask) -> None:
    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    app.extensions["finder.handlers"] = wiring.HANDLERS
    outcomes.provide(app, wiring.OUTCOMES_BY_MONTH)
    app.extensions["finder.centers.catalog"] = CatalogCache(app.config["DATA_DIR"])


def register_geocoder(app: Flask) -> None:
    app.extensions["finder.geocoder"] = get_geocoder(
        app.config["GEOCODER"], user_agent=app.config["GEOCODER_USER_AGENT"]
    )


def register_mail(app: Flask) -> None:
    app.extensions["finder.mail"] = sender_from_config(
        app.config["SMTP_URL"],
        mail_dir=Path(app.instance_path) / "mail",
        from_address=app.config["MAIL_FROM"],
    )


def register_web(app: Flask) -> None:
    delivery.init_app(app)  # first: its after_request hook compresses what the others made
    reading.init_app(app)  # first: it replaces app.json
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if hops := app.config["PROXY_COUNT"]:
        # The client's address (rate limits, audit log) and scheme as the proxies saw them;
        # only the X-Forwarded-* entries the proxies themselves added are believed.
        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
        app.wsgi_app = proxied  # type: ignore[method-assign]
    # __Host- cookies are only accepted over HTTPS (or on localhost), bound to this host.
    secure = app.config["SESSION_COOKIE_SECURE"]
    app.config["SESSION_COOKIE_NAME"] = "__Host-session" if secure else "finder_session"
    ids.init_app(app)  # before the blueprints: their <int:…> rules use it
    errors.register(app)
    hosts.init_app(app)  # before every other hook
    request_log.register(app)
    i18n.init_app(app)
    auth.init_app(app)
    protection.init_app(app)
    limits.init_app(app)
    # Importing these modules declares their operations on the API blueprint.
    declaring = (account_api, search_api, center_api, booking_api, referral_api, coverage_api,
                 waitlist_api)  # fmt: skip
    assert all(area.operations is declaring[0].operations for area in declaring)  # noqa: S101
    assert staff_calendar.staff is staff_closures.staff is staff_bookings.staff is staff  # noqa: S101
    for blueprint in (
        api,
        pages,
        account,
        settings,
        admin,
        staff,
        center_pages,
        health,
        coverage_pages,
        fhir,
        waitlist_pages,
    ):
        app.register_blueprint(blueprint)
    access.init_app(app)  # after the blueprints: every route is known by now
    protection.check_requests(app)


def register_commands(app: Flask) -> None:
    from finder import cli

    cli.init_app(app)
