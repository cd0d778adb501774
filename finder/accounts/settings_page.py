"""The account's settings page: time zone, language and clock; for staff, their notices."""

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from werkzeug.wrappers import Response

from finder.accounts.preferences import InvalidSettings, Settings, save_settings, settings_of
from finder.domain.notices import NOTICE_KINDS
from finder.storage import db
from finder.web.access import SIGNED_IN, allow
from finder.web.auth import signed_in_user
from finder.web.commands import run
from finder.web.i18n import LANGUAGE_COOKIE, LANGUAGE_COOKIE_DAYS, LANGUAGE_NAMES
from finder.web.local_times import SESSION_KEY, zone_choices

settings = Blueprint("settings", __name__)


def notice_names() -> dict[str, str]:
    return {
        "booked": gettext("A consultation is booked"),
        "moved": gettext("A consultation is moved"),
        "cancelled": gettext("A consultation is cancelled"),
        "referred": gettext("A patient is referred"),
    }


def _page(values: Settings, errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    user = signed_in_user()
    return render_template(
        "account_settings.html",
        user=user,
        values=values,
        errors=errors,
        zones=zone_choices(*([values.timezone] if values.timezone else [])),
        languages=LANGUAGE_NAMES,
        notice_names=notice_names(),
    ), status


@settings.get("/account/settings")
@allow(SIGNED_IN)
def edit() -> tuple[str, int]:
    user = signed_in_user()
    assert user is not None  # noqa: S101 - SIGNED_IN access guarantees it
    return _page(settings_of(db.session(), user.id), {})


@settings.post("/account/settings")
@allow(SIGNED_IN)
def save() -> Response | tuple[str, int]:
    user = signed_in_user()
    assert user is not None  # noqa: S101 - SIGNED_IN access guarantees it
    form = request.form
    asked = Settings(
        timezone=form.get("timezone", "")[:64],
        language=form.get("language", "")[:8],
        hour_cycle=form.get("hour_cycle", "")[:2],
        notices=tuple(kind[:16] for kind in form.getlist("notices")[: len(NOTICE_KINDS) + 1]),
        digest=form.get("digest", "") == "daily",
    )
    try:
        kept = run(save_settings, user.id, user.role, asked)
    except InvalidSettings as error:
        words = {
            "timezone": gettext("Choose a time zone from the list."),
            "language": gettext("Choose English or Spanish."),
            "hour_cycle": gettext("Choose 12-hour or 24-hour times."),
            "notices": gettext("Choose among the notices listed."),
        }
        errors = {name: words.get(name, gettext("Check this field.")) for name in error.fields}
        return _page(asked, errors, 400)
    session.pop(SESSION_KEY, None)  # the account's zone now wins over one picked earlier
    flash(gettext("Your settings are saved."))
    response = make_response(redirect(url_for("settings.edit"), 303))
    if kept.language:
        response.set_cookie(
            LANGUAGE_COOKIE,
            kept.language,
            max_age=LANGUAGE_COOKIE_DAYS * 24 * 3600,
            samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
            httponly=True,
        )
    return response
