"""Sign-in sends a user back only to a path on this site, however `next` is disguised.

Each `next` is sent in the sign-in URL (as the sign-in page's own link carries it) and in the
form. The Location that comes back must stay on this origin both as `urljoin` reads it and as a
browser's URL parser (WHATWG) does: leading and trailing C0 controls and spaces stripped, tabs
and newlines dropped, backslashes read as slashes. The last test asks Chromium itself.
The redirect rule does not depend on the database, so one SQLite app serves the whole module.
"""

import re
from urllib.parse import quote, urljoin, urlsplit

import pytest
from flask import Flask

from finder.app import create_app
from finder.storage import db
from finder.storage.migrate import upgrade
from finder.web.return_path import safe_next
from tests.accounts import PASSWORD, add_account, csrf_token

ORIGIN = "http://127.0.0.1:5000"
BASE = f"{ORIGIN}/sign-in"
HOME = "/referrals"  # where a provider lands when `next` is refused
C0_AND_SPACE = "".join(chr(code) for code in range(0x21))
SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
TWO_SLASHES = re.compile(r"[/\\]{2}")
SPECIAL = {"http", "https", "ws", "wss", "ftp", "file"}

# (next as sent, the Location expected: None for the account page)
CASES = [
    # Tabs, newlines and other control characters
    ("/\t/evil.test", None),
    ("/\n/evil.test", None),
    ("/\r/evil.test", None),
    ("/\r\n/evil.test", None),
    ("\t//evil.test", None),
    ("/\t\\evil.test", None),
    ("/\x00/evil.test", None),
    ("\x00//evil.test", None),
    ("/\x01/evil.test", None),
    ("/\x0b/evil.test", None),
    ("\x0c//evil.test", None),
    ("/\x1f/evil.test", None),
    ("/\x7f/evil.test", None),
    ("/x\r\nSet-Cookie: stolen=1", "/xSet-Cookie:%20stolen=1"),
    # Backslashes
    ("/\\evil.test", None),
    ("\\\\evil.test", None),
    ("/\\/evil.test", None),
    ("\\/evil.test", None),
    ("\\/\\evil.test", None),
    ("  /\\evil.test", None),
    # Percent-encoded slashes, backslashes and controls
    ("%2F%2Fevil.test", None),
    ("/%2F%2Fevil.test", None),
    ("/%2f/evil.test", None),
    ("/%09/evil.test", None),
    ("/%0d%0a/evil.test", None),
    ("/%5Cevil.test", None),
    ("%5C%5Cevil.test", None),
    ("/%2e%2e//evil.test", None),
    ("/%252F%252Fevil.test", "/%252F%252Fevil.test"),  # decoded once: still one path here
    # Schemes and authorities
    ("javascript:alert(1)", None),
    ("JaVaScRiPt:alert(1)", None),
    ("java\tscript:alert(1)", None),
    ("data:text/html,<script>alert(1)</script>", None),
    ("http://evil.test", None),
    ("HTTPS://evil.test", None),
    ("https:evil.test", None),
    ("http:/evil.test", None),
    ("//evil.test", None),
    ("///evil.test", None),
    ("////evil.test", None),
    (" //evil.test", None),
    ("//evil.test@127.0.0.1:5000", None),
    ("http://127.0.0.1:5000@evil.test/", None),
    ("evil.test", None),
    ("@evil.test", None),
    # Dot segments that would leave "//" behind
    ("/.//evil.test", None),
    ("/./evil.test", None),
    ("/a/..//evil.test", None),
    # Unicode lookalikes of the slash and of spaces
    ("\uff0f\uff0fevil.test", None),
    ("\u2215\u2215evil.test", None),
    ("\u00a0//evil.test", None),
    ("/\uff0fevil.test", "/%EF%BC%8Fevil.test"),
    ("/\u200b/evil.test", "/%E2%80%8B/evil.test"),
    # Very long values
    ("/" + "a" * 5000, None),
    ("/referrals?stage=" + "x" * 3000, None),
    ("//" + "a" * 3000 + ".evil.test", None),
    # Paths on this site
    ("/referrals?stage=consultation", "/referrals?stage=consultation"),
    ("/staff/centers/3/calendar", "/staff/centers/3/calendar"),
    ("/bookings/12", "/bookings/12"),
    ("/admin/users?page=2#top", "/admin/users?page=2#top"),
    ("/referrals?stage=consultation&center=a%2Fb", "/referrals?stage=consultation&center=a%2Fb"),
    ("/referrals?note=consultación", "/referrals?note=consultaci%C3%B3n"),
    ("/sign-in?next=//evil.test", "/sign-in?next=//evil.test"),  # checked again on that sign-in
    ("  /account\t", "/account"),
]
IDS = [repr(raw)[:40] for raw, _ in CASES]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Flask:
    """One app on SQLite with one provider, for every case."""
    folder = tmp_path_factory.mktemp("redirects")
    url = f"sqlite:///{folder / 'finder.db'}"
    upgrade(url)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": "redirect-tests",
            "RATELIMIT_ENABLED": False,
        }
    )
    app.instance_path = str(folder / "instance")
    app.config["PROVIDER_EMAIL"] = add_account(app, "provider_a", role="provider").email
    yield app
    db.engine(app).dispose()


def sign_in_with_next(app: Flask, raw: str, *, where: str):
    """Sign in with `next` in the URL (after opening the page it names) or in the form."""
    client = app.test_client()
    form = {"email": app.config["PROVIDER_EMAIL"], "password": PASSWORD}
    form["csrf_token"] = csrf_token(client)
    if where == "url":
        path = "/sign-in?next=" + quote(raw, safe="")
        page = client.get(path)
        assert page.status_code in (200, 400), page.status_code  # 400: a NUL, refused
        return client.post(path, data=form)
    return client.post("/sign-in", data={**form, "next": raw})


def browser_origin(location: str) -> str:
    """The origin a browser goes to for this Location from BASE, as the WHATWG parser reads it."""
    url = location.strip(C0_AND_SPACE).translate({9: None, 10: None, 13: None})
    scheme = "http"
    if found := SCHEME.match(url):
        scheme, url = found[1].lower(), url[found.end() :]
        if scheme not in SPECIAL:
            return f"{scheme}:"  # javascript:, data: and the like: never this site
        if scheme == "http" and not TWO_SLASHES.match(url):
            return ORIGIN  # the base's own scheme without slashes: a path here
        url = "//" + url.lstrip("/\\")  # another special scheme: its authority follows
    if not TWO_SLASHES.match(url):
        return ORIGIN
    authority = re.split(r"[/\\?#]", url.lstrip("/\\"), maxsplit=1)[0]
    return f"{scheme}://{authority.rpartition('@')[2].lower()}"


def assert_same_origin(location: str) -> None:
    joined = urlsplit(urljoin(BASE, location))
    assert (joined.scheme, joined.netloc) == ("http", "127.0.0.1:5000"), location
    assert browser_origin(location) == ORIGIN, location
    assert not re.search(r"[\x00-\x20\x7f\\]", location), location


@pytest.mark.parametrize("where", ["url", "form"])
@pytest.mark.parametrize(("raw", "expected"), CASES, ids=IDS)
def test_sign_in_sends_back_only_to_a_path_on_this_site(site, raw, expected, where):
    response = sign_in_with_next(site, raw, where=where)
    if response.status_code == 400:  # a NUL is refused before sign-in; never a redirect
        assert "\x00" in raw
        return
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    assert_same_origin(location)
    assert location == (expected or HOME)
    assert "stolen" not in response.headers.get("Set-Cookie", "")


def test_the_sign_in_form_carries_only_the_normalised_path(site):
    refused = site.test_client().get("/sign-in?next=" + quote("/\t/evil.test", safe=""))
    assert refused.status_code == 200
    assert '<input type="hidden" name="next" value="">' in refused.get_data(as_text=True)
    kept = site.test_client().get("/sign-in?next=%2Freferrals%3Fstage%3Dconsultation")
    hidden = '<input type="hidden" name="next" value="/referrals?stage=consultation">'
    assert hidden in kept.get_data(as_text=True)


def test_a_signed_out_visit_comes_back_to_the_same_page_after_sign_in(site):
    client = site.test_client()
    asked = client.get("/referrals?stage=consultation")
    assert asked.status_code == 302
    sign_in_page = asked.headers["Location"]
    assert sign_in_page == "/sign-in?next=/referrals?stage%3Dconsultation"
    form = {"email": site.config["PROVIDER_EMAIL"], "password": PASSWORD}
    signed = client.post(sign_in_page, data={**form, "csrf_token": csrf_token(client)})
    assert signed.headers["Location"] == "/referrals?stage=consultation"


def test_a_signed_out_visit_with_a_query_string_that_is_not_utf8_still_goes_to_sign_in(site):
    raw = {"QUERY_STRING": "stage=\xff"}  # a raw byte, as a server hands it on (latin-1)
    response = site.test_client().get("/referrals", environ_overrides=raw)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=/referrals?stage")


@pytest.mark.parametrize(
    "target", ["/\ud800", None, "", "/", "/" * 2, "/\\", "\\", " ", "\t\n\r"], ids=repr
)
def test_values_no_request_can_carry_are_refused_or_kept_safe(target):
    assert safe_next(target) in ("", "/")


def test_chromium_reads_every_location_as_this_origin_and_agrees_with_the_rules_here(
    site, page_factory
):
    locations = [
        sign_in_with_next(site, raw, where="form").headers.get("Location", HOME) for raw, _ in CASES
    ]
    page = page_factory()
    script = "([base, urls]) => urls.map(u => { try { return new URL(u, base).origin }"
    script += " catch (e) { return 'invalid' } })"
    assert set(page.evaluate(script, [BASE, locations])) == {ORIGIN}
    # The browser-like reading used above agrees with Chromium on every raw value too.
    raws = [raw for raw, _ in CASES]
    read_by_chromium = page.evaluate(script, [BASE, raws])
    ours = [browser_origin(raw) for raw in raws]
    disagree = [
        (raw, theirs, mine)
        for raw, theirs, mine in zip(raws, read_by_chromium, ours, strict=True)
        if theirs != mine and not (theirs == "null" and mine.endswith(":"))
    ]
    assert disagree == []
