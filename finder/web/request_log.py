"""Request logs without query strings: a search URL carries the patient's address."""

import logging
from urllib.parse import urlsplit

from flask import Flask

# Gunicorn's access log: %(U)s is the path without the query string.
GUNICORN_ACCESS_FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'


class StripQueryStrings(logging.Filter):
    """Drops the query string from the request line the development server logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(_strip(arg) for arg in record.args)
        return True


def _strip(value: object) -> object:
    if not isinstance(value, str) or "?" not in value:
        return value
    method, _, rest = value.partition(" ")
    target, _, protocol = rest.partition(" ")
    if not target:
        return urlsplit(value).path
    return f"{method} {urlsplit(target).path} {protocol}".rstrip()


def register(app: Flask) -> None:
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, StripQueryStrings) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(StripQueryStrings())
