"""Record ids in URLs and forms: only numbers an id column can hold name a record."""

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from finder.domain.bookings import MAX_ID  # the largest id either database stores

__all__ = ["MAX_ID", "RecordIdConverter", "init_app", "record_id"]


def record_id(text: str | None) -> int | None:
    """A positive record id written in ASCII digits, or None for anything else."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class RecordIdConverter(IntegerConverter):
    """`<int:…>` in every route: ASCII digits up to MAX_ID; any other number matches no route
    (a 404), so a view never hands the database a number it cannot compare."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Before any blueprint: the converter applies to the rules as they are added."""
    app.url_map.converters["int"] = RecordIdConverter
