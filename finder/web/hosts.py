"""Requests for a host not named in TRUSTED_HOSTS are refused with a 400 before anything runs.

Flask compares the Host header with TRUSTED_HOSTS when it binds the URL map; a mismatch leaves
no URL map, so the answer is a page of its own that builds no links.
"""

from flask import Flask, Response, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import SecurityError

from finder.web.errors import error_response, wants_html


def _refuse_untrusted_host() -> None:
    """First of all hooks: an untrusted host never reaches sign-in, the limits or a view."""
    if isinstance(request.routing_exception, SecurityError):
        raise request.routing_exception


def _untrusted_host(_error: SecurityError) -> tuple[Response | str, int]:
    message = gettext("This site does not answer at this address.")
    if wants_html():
        return render_template("untrusted_host.html", message=message), 400
    return error_response(400, "untrusted_host", message)


def init_app(app: Flask) -> None:
    app.before_request(_refuse_untrusted_host)
    app.register_error_handler(SecurityError, _untrusted_host)
