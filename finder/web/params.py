"""Query parameters declared once: parsed and checked here, described in the OpenAPI document."""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from finder.domain.days import OUT_OF_RANGE, in_range
from finder.web.errors import BadRequest

Choices = Callable[[], Sequence[str]]


class Unusable(ValueError):
    """A value of the documented form that still means nothing (e.g. 30 February): 422."""


_DATE_PATTERN = r"^(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))?$"
_DATE = re.compile(_DATE_PATTERN)
MAX_PAGE = 10**9  # of any list: its offset stays a number every database takes


@dataclass(frozen=True)
class Param:
    name: str
    kind: str = "string"  # string | integer | number | date
    description: str = ""
    required: bool = False
    choices: Choices | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 200
    default: Any = None
    example: str | None = None  # shown in the OpenAPI document
    pattern: str | None = None  # a string's form, as sent (e.g. an id's characters)
    # Maps another spelling to its choice (a product's brand to its id) before the check.
    normalize: Callable[[str], str | None] | None = None
    aliases: Choices | None = None  # the other spellings the document lists beside the choices

    def schema(self) -> dict[str, Any]:
        if self.kind == "date":  # empty means the default, like every optional parameter
            return {"type": "string", "pattern": _DATE_PATTERN}
        schema: dict[str, Any] = {"type": self.kind}
        if self.choices is not None:
            schema["enum"] = [*self.choices(), *(self.aliases() if self.aliases else ())]
        if self.kind == "string":
            schema["maxLength"] = self.max_length
            if self.required:
                schema["minLength"] = 1
                schema["pattern"] = r"\S"  # blank text counts as missing
            if self.pattern is not None:
                schema["pattern"] = self.pattern
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.default is not None:
            schema["default"] = self.default
        return schema


def parse_query(params: Sequence[Param], args: MultiDict[str, str]) -> dict[str, Any]:
    """The typed values, or BadRequest naming every bad parameter."""
    known = {p.name for p in params}
    problems = {name: "unknown parameter" for name in args if name not in known}
    unusable: dict[str, str] = {}
    values: dict[str, Any] = {}
    for param in params:
        raw = args.getlist(param.name)
        if len(raw) > 1:
            problems[param.name] = "give it once"
            continue
        if raw and param.pattern is not None and not re.search(param.pattern, raw[0]):
            problems[param.name] = "contains characters that are not allowed"
            continue
        text = raw[0].strip() if raw else ""
        if not text:
            if param.required:
                problems[param.name] = "required"
            values[param.name] = param.default
            continue
        try:
            if len(raw[0]) > param.max_length:  # the limit the document states: before stripping
                raise ValueError(f"at most {param.max_length} characters")
            values[param.name] = _convert(param, text)
        except Unusable as error:
            unusable[param.name] = str(error)
        except ValueError as error:
            problems[param.name] = str(error)
    if problems:
        raise BadRequest(_sentence(problems), fields=problems)
    if unusable:
        raise BadRequest(_sentence(unusable), fields=unusable, status=422)
    return values


def _convert(param: Param, text: str) -> Any:
    if param.normalize is not None:
        text = param.normalize(text) or text
    if param.choices is not None and text not in param.choices():
        raise ValueError("one of " + ", ".join(c for c in param.choices() if c))
    if param.kind == "string":
        return text
    if param.kind == "date":
        return calendar_day(text)
    expected = f"must be {'a whole number' if param.kind == 'integer' else 'a number'}"
    # int() and float() also read `1_0` and non-ASCII digits such as `٥`: not numbers here.
    if not text.isascii() or "_" in text:
        raise ValueError(expected)
    try:
        number = int(text) if param.kind == "integer" else float(text)
    except ValueError:
        raise ValueError(expected) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("must be a finite number")
    if param.minimum is not None and number < param.minimum:
        raise ValueError(f"must be at least {param.minimum:g}")
    if param.maximum is not None and number > param.maximum:
        raise ValueError(f"must be at most {param.maximum:g}")
    return number


def calendar_day(text: str) -> date:
    """A date written YYYY-MM-DD: ValueError when malformed, Unusable when no day we take."""
    if not _DATE.fullmatch(text):
        raise ValueError("must be a date YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Unusable("no such day in the calendar") from None
    if not in_range(day):
        raise Unusable(OUT_OF_RANGE)
    return day


def page_number(text: str | None) -> int | None:
    """A list's page: 1 when absent or not a number (as always); None past MAX_PAGE."""
    digits = (text or "").strip()
    if not digits.isascii() or not digits.isdigit():
        return 1
    if len(digits) > len(str(MAX_PAGE)) or int(digits) > MAX_PAGE:
        return None
    return max(int(digits), 1)


def _sentence(problems: Mapping[str, str]) -> str:
    listed = "; ".join(f"{name}: {problem}" for name, problem in sorted(problems.items()))
    return f"Check the request parameters ({listed})."
