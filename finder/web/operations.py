"""The API's operations, declared once: Flask routes them and the OpenAPI document lists them."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint

from finder.web.params import Param


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # OpenAPI style: /centers/{center_id}
    summary: str
    query: tuple[Param, ...] = ()
    path_params: tuple[str, ...] = ()
    responses: dict[int, str] = field(default_factory=dict)  # status -> schema name
    public: bool = True


class OperationTable:
    """Operations of one blueprint, in the order they were declared."""

    def __init__(self, blueprint: Blueprint) -> None:
        self.blueprint = blueprint
        self.operations: list[Operation] = []

    def get(
        self,
        path: str,
        *,
        summary: str,
        query: Sequence[Param] = (),
        responses: dict[int, str],
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        path_params = tuple(
            part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")
        )
        operation = Operation("get", path, summary, tuple(query), path_params, responses)
        self.operations.append(operation)
        rule = path
        for name in path_params:
            rule = rule.replace("{" + name + "}", f"<{name}>")

        def register(view: Callable[..., Any]) -> Callable[..., Any]:
            self.blueprint.add_url_rule(rule, view_func=view, methods=["GET"])
            return view

        return register
