"""A live server and a real Chromium for the page tests (Playwright, Debian's browser)."""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

from finder.app import create_app
from finder.centers.use_cases import load_centers_file
from finder.config import PROJECT_ROOT
from finder.extensions import catalog_cache
from finder.storage import db
from tests.conftest import missing, sqlite_copy

if TYPE_CHECKING:  # tests.smtp is a plugin of its own, imported once pytest has registered it
    from tests.smtp import SmtpServer

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = PROJECT_ROOT / "test-output" / "screenshots"
AXE = "/static/vendor/axe-core/axe.min.js"
# As root in a container, and with no network: no sandbox, no background calls home.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="session")
def live_mail() -> Iterator["SmtpServer"]:
    """The SMTP server the live app sends its invitations and reset links to."""
    from tests.smtp import SmtpServer, running

    with running(SmtpServer()) as server:
        yield server


@pytest.fixture(scope="session")
def live_app(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, live_mail: "SmtpServer"
) -> Iterator[Flask]:
    """The app with the shipped centers and no accounts; tests add theirs with add_account."""
    url = sqlite_copy(sqlite_template, tmp_path_factory.mktemp("live"))
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "browser-tests",
            "SMTP_URL": live_mail.url,
            # The pages are signed in to many times from one address; the limits have tests.
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        load_centers_file(PROJECT_ROOT / "data" / "centers.csv", catalog_cache().products)
    yield app
    db.engine(app).dispose()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """The live app served on a free local port: its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the run; missing Chromium skips here and fails under CI."""
    if not CHROMIUM.exists():
        missing("Chromium", f"{CHROMIUM} not found (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        missing("Playwright", str(error))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page_factory(chromium):
    """New pages that record every request they make."""
    contexts = []

    def make(**options):
        context = chromium.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.requested = []
        page.on("request", lambda request: page.requested.append(request.url))
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page.

    axe is loaded from the app's own static folder, as a page's own script would be: the CSP
    (script-src 'self' and a nonce) refuses an inline copy.
    """
    parts = urlsplit(page.url)
    page.add_script_tag(url=f"{parts.scheme}://{parts.netloc}{AXE}")
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in result["violations"]
    ]


def only_local(page) -> list[str]:
    """What a page asked of any host but 127.0.0.1 (nothing, for a page that works offline)."""
    return [url for url in page.requested if urlsplit(url).hostname not in ("127.0.0.1",)]


@pytest.fixture
def new_page(page_factory):
    """page_factory's pages; after the test, none of them asked any host but 127.0.0.1."""
    pages = []

    def make(**options):
        page = page_factory(**options)
        pages.append(page)
        return page

    yield make
    for page in pages:
        assert only_local(page) == [], "a request left 127.0.0.1"
