"""Werkzeug's URL builders compiled once per process instead of once per app.

Binding a rule to an app's URL map compiles two small Python functions that build its URLs,
from an AST, with `compile()`: about 40 ms of every `create_app`, and the tests create an app
for nearly every test. The functions depend only on the rule's parts and the defaults it
resolves ahead of time, and hold no state (their globals are empty, the rule comes in as an
argument), so a rule bound again in another app can take the function compiled the first time.
tests/test_url_builders.py checks that every rule of the app gets exactly the code Werkzeug
compiles for it.
"""

import inspect
from collections.abc import Callable, Hashable
from typing import Any

from werkzeug.routing.rules import Rule

Builder = Callable[..., tuple[str, str]]
ORIGINAL: Callable[[Rule, bool], Builder] = Rule._compile_builder
_compiled: dict[Hashable, Builder] = {}


def key(rule: Rule, append_unknown: bool) -> Hashable:
    """Everything of the rule that the compiled function depends on."""
    defaults: dict[str, Any] = rule.defaults or {}
    converters = rule._converters
    resolved = tuple(
        (name, converters[name].to_url(value))
        for name, value in defaults.items()
        if name in converters
    )
    return (rule.rule, append_unknown, tuple(rule._trace), tuple(defaults), resolved)


def compile_builder_once(rule: Rule, append_unknown: bool = True) -> Builder:
    found = key(rule, append_unknown)
    builder = _compiled.get(found)
    if builder is None:
        builder = _compiled[found] = ORIGINAL(rule, append_unknown)
    return builder


def install() -> bool:
    """Use the compiled functions again; False (and nothing changed) if Werkzeug's private
    method is not the one this was written for."""
    parameters = list(inspect.signature(ORIGINAL).parameters)
    if parameters != ["self", "append_unknown"]:
        return False
    Rule._compile_builder = compile_builder_once  # type: ignore[method-assign]
    return True
