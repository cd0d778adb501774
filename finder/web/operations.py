"""The API's operations, declared once: Flask routes them, the access rules guard them, the
rate limiter counts them and the OpenAPI document lists them."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, request
from jsonschema import Draft202012Validator

from finder.web.access import Access, allow
from finder.web.errors import BadRequest
from finder.web.limits import limiter
from finder.web.params import Param
from finder.web.reading import MAX_DEPTH


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # OpenAPI style: /centers/{center_id}
    summary: str
    access: Access
    query: tuple[Param, ...] = ()
    path_params: tuple[str, ...] = ()
    body: str | None = None  # schema name of the JSON request body
    responses: dict[int, str | None] = field(default_factory=dict)  # status -> schema name
    rate_limit: str | None = None
    # How a signed-in caller may prove it: the security schemes of the OpenAPI document.
    credentials: tuple[str, ...] = ("bearer", "session")
    path_examples: dict[str, str] = field(default_factory=dict)  # for the OpenAPI document

    @property
    def public(self) -> bool:
        return self.access.public


class OperationTable:
    """Operations of one blueprint, in the order they were declared."""

    def __init__(self, blueprint: Blueprint, schemas: dict[str, dict[str, Any]]) -> None:
        self.blueprint = blueprint
        self.schemas = schemas
        self.operations: list[Operation] = []

    def get(self, path: str, **declared: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route("get", path, **declared)

    def post(
        self, path: str, **declared: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route("post", path, **declared)

    def delete(
        self, path: str, **declared: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route("delete", path, **declared)

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        access: Access,
        responses: dict[int, str | None],
        query: Sequence[Param] = (),
        body: str | None = None,
        rate_limit: str | None = None,
        credentials: Sequence[str] = ("bearer", "session"),
        path_examples: dict[str, str] | None = None,
        path_converters: dict[str, str] | None = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        if body is not None and body not in self.schemas:
            raise KeyError(f"no schema named {body}")
        path_params = tuple(
            part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")
        )
        if unknown := (set(path_examples or {}) | set(path_converters or {})) - set(path_params):
            raise KeyError(f"no path parameter named {', '.join(sorted(unknown))}")
        operation = Operation(
            method,
            path,
            summary,
            access,
            tuple(query),
            path_params,
            body,
            responses,
            rate_limit,
            tuple(credentials),
            dict(path_examples or {}),
        )
        self.operations.append(operation)
        rule = path
        for name in path_params:
            # A converter (e.g. int) keeps /referrals/{referral_id} off /referrals/search.
            converter = (path_converters or {}).get(name)
            routed = f"<{converter}:{name}>" if converter else f"<{name}>"
            rule = rule.replace("{" + name + "}", routed)

        def register(view: Callable[..., Any]) -> Callable[..., Any]:
            view.operation = operation  # type: ignore[attr-defined]
            guarded = allow(access)(view)
            if rate_limit:
                guarded = limiter.limit(rate_limit)(guarded)
            self.blueprint.add_url_rule(rule, view_func=guarded, methods=[method.upper()])
            return guarded

        return register


def json_body(schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The request's JSON body, checked against the operation's declared schema."""
    view = current_app.view_functions[request.endpoint or ""]
    operation: Operation = view.operation
    if not request.is_json:
        raise BadRequest("Send a JSON body (Content-Type: application/json).")
    body = request.get_json(silent=True)  # None also for what finder.web.reading refuses
    if body is None:
        raise BadRequest(
            f"The request body is not valid JSON, or nests more than {MAX_DEPTH} levels deep."
        )
    problems: dict[str, str] = {}
    for error in Draft202012Validator(schemas[operation.body or ""]).iter_errors(body):
        where = ".".join(str(part) for part in error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            for name in error.validator_value:
                if name not in error.instance:
                    problems.setdefault(f"{where}.{name}".lstrip("."), "required")
            continue
        problems.setdefault(where or "body", _problem(error.validator, error.validator_value))
    if problems:
        listed = "; ".join(f"{name}: {text}" for name, text in sorted(problems.items()))
        raise BadRequest(f"Check the request body ({listed}).", fields=problems)
    if not isinstance(body, dict):  # pragma: no cover - every body schema is an object
        raise BadRequest("The request body must be a JSON object.")
    return body


def _problem(validator: Any, expected: Any) -> str:
    """A short reason that never repeats the submitted value (it may be health information)."""
    match validator:
        case "type":
            return f"must be of type {expected}"
        case "additionalProperties":
            return "unknown field"
        case "minLength" | "maxLength" | "minimum" | "maximum" | "format" | "pattern" | "enum":
            return f"does not satisfy {validator}"
        case _:
            return "not allowed"
