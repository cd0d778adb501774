"""The tests compile Werkzeug's URL builders once per process (tests/url_builders.py): each rule
still gets exactly the function Werkzeug compiles for it."""

from flask import url_for
from werkzeug.routing.rules import Rule

from finder.app import create_app
from tests import url_builders


def new_app():
    return create_app(
        {"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "test", "GEOCODER": "offline"}
    )


def test_the_builders_are_compiled_once_per_process():
    assert Rule._compile_builder is url_builders.compile_builder_once
    first, second = new_app(), new_app()
    rule = next(r for r in first.url_map.iter_rules() if r.arguments)
    again = next(r for r in second.url_map.iter_rules() if r.rule == rule.rule)
    assert rule._build_unknown.__func__ is again._build_unknown.__func__
    assert rule._build_unknown.__self__ is rule and again._build_unknown.__self__ is again


def test_every_rule_gets_the_code_werkzeug_compiles_for_it():
    app = new_app()
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 50
    for rule in rules:
        for append_unknown in (False, True):
            reused = url_builders.compile_builder_once(rule, append_unknown)
            fresh = url_builders.ORIGINAL(rule, append_unknown)
            assert reused.__code__ == fresh.__code__, rule.rule
            assert reused.__defaults__ == fresh.__defaults__, rule.rule


def test_urls_built_in_a_second_app_are_those_of_the_first():
    built = []
    for app in (new_app(), new_app()):
        with app.test_request_context():
            built.append(
                [
                    url_for(rule.endpoint, **{name: "7" for name in rule.arguments}, extra="x y")
                    for rule in app.url_map.iter_rules()
                    if rule.endpoint != "static"
                ]
            )
    assert built[0] == built[1]
    assert all("extra=x+y" in url for url in built[0])
