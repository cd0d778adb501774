"""English and Spanish: `?lang=es`, else the language chosen before (a cookie), else the
browser's Accept-Language. Choosing one with `?lang=` keeps it for the next pages."""

from typing import Any

from flask import Flask, Response, current_app, request, url_for
from flask_babel import Babel, get_locale

from finder.config import PROJECT_ROOT

LANGUAGES = ("en", "es")
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_DAYS = 365


def select_locale() -> str:
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        return wanted
    kept = request.cookies.get(LANGUAGE_COOKIE)
    if kept in LANGUAGES:
        return kept
    return request.accept_languages.best_match(LANGUAGES) or "en"


def _keep_language(response: Response) -> Response:
    """Remember a language chosen with `?lang=` (only a language code: nothing personal)."""
    wanted = request.args.get("lang")
    if wanted in LANGUAGES and request.cookies.get(LANGUAGE_COOKIE) != wanted:
        response.set_cookie(
            LANGUAGE_COOKIE,
            wanted,
            max_age=LANGUAGE_COOKIE_DAYS * 24 * 3600,
            samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
            httponly=True,
        )
    return response


def init_app(app: Flask) -> None:
    Babel(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PROJECT_ROOT / "translations"),
    )
    app.context_processor(_page_words)
    app.after_request(_keep_language)


def switch_language(lang: str) -> str:
    """This page in another language; a page answered for a POST links to its blank form."""
    args = request.args.to_dict() if request.method == "GET" else {}
    args["lang"] = lang
    endpoint = request.endpoint if request.endpoint and request.endpoint != "static" else None
    if endpoint is None:
        return url_for("pages.search", lang=lang)
    return url_for(endpoint, **(request.view_args or {}), **args)


def _page_words() -> dict[str, Any]:
    return {
        "languages": LANGUAGE_NAMES,
        "locale": str(get_locale()),
        "switch_language": switch_language,
    }
