"""Browser tests: the real app under uvicorn on a free localhost port, driven by Debian's headless Chromium.

Playwright drives /usr/bin/chromium directly (no downloaded browser build, no chromedriver). A missing
Chromium or axe-core FAILS the run with what to do: CI installs both through ``make test``, and a
browser suite that skips itself silently would hide a broken search box.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn

from core.settings import ApiKey
from search_api.app import create_app
from tests.conftest import ROOT, test_settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page, Request, Response

CHROMIUM = Path(os.environ.get("PLACERINGSSOK_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "tests" / "artifacts"
INSTALL_HINT = "run scripts/install-test-browser.sh (make test runs it; it installs Debian's chromium and npm ci)"
# Playwright adds --headless and a fresh temporary --user-data-dir itself (it refuses one in args).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SEARCH_PATH = "/v1/providers/search"
PORTAL_KEY = "test-portal-caseworker-key"


class Portal:
    """A municipal portal on another origin (another localhost port): serves the pages a test gives it.

    A real server rather than a routed page: Chromium treats a routed page as public, and its Local
    Network Access rules then (rightly) stop a public page from calling a loopback API.
    """

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "").encode())

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the test reads the browser's network log instead

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="package")
def portal() -> Iterator[Portal]:
    served = Portal()
    yield served
    served.close()


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app under uvicorn (real HTTP) at a free localhost port, until the block ends."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # the kernel picks a free port; uvicorn serves on this very socket
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the app did not start under uvicorn", pytrace=False)
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="package")
def live_app(embedded_data_dir: Path, portal: Portal) -> Iterator[str]:
    """The app as production runs it (uvicorn, real HTTP), on the fixtures, at a free localhost port."""
    settings = test_settings(embedded_data_dir)
    # A caseworker key for the portal's origin, so CORS and the origin check run for real.
    keys = {**settings.api_keys, PORTAL_KEY: ApiKey(role="caseworker", origins=[portal.origin])}
    # The portal's keyless embed (the public role) is allowed too, as PLACERINGSSOK_PUBLIC_ORIGINS would.
    app = create_app(test_settings(embedded_data_dir, api_keys=keys, public_origins=[portal.origin]))
    with serving(app) as url:
        yield url


# Package scope, not session: Playwright's sync API keeps an event loop running in the main thread while
# it lives, and the suite's later asyncio.run() calls (tests/test_indexer_cli.py) must not find one.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing ({CHROMIUM} does not exist): {INSTALL_HINT}", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the Python package playwright is missing: pip install -e '.[test]'", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class NetworkLog:
    """Every request the page made, and every console error it printed."""

    requests: list[Request] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def searches(self) -> list[dict[str, Any]]:
        return [json.loads(r.post_data or "{}") for r in self.requests if r.url.endswith(SEARCH_PATH)]


@dataclass
class Demo:
    """The demo page and the element on it, found by role and label as a reader would."""

    page: Page
    base_url: str
    log: NetworkLog

    def open(self, path: str = "/demo") -> Demo:
        self.page.goto(self.base_url + path)
        self.wait_for_results()
        return self

    @property
    def query(self) -> Locator:
        return self.page.get_by_role("combobox", name="Sök verksamhet, behov, metod eller kommun")

    @property
    def school(self) -> Locator:
        return self.page.get_by_role("combobox", name="Barnets skola")

    @property
    def suggestions(self) -> Locator:
        return self.page.get_by_role("listbox", name="Förslag")

    @property
    def school_options(self) -> Locator:
        return self.page.get_by_role("listbox", name="Skolor").get_by_role("option")

    @property
    def status(self) -> Locator:
        return self.page.locator("placeringssok-search p.status")

    @property
    def error(self) -> Locator:
        return self.page.locator("placeringssok-search .error[role=alert]")

    @property
    def hits(self) -> Locator:
        return self.page.locator("placeringssok-search li.hit")

    @property
    def drawer_toggle(self) -> Locator:
        return self.page.get_by_role("button", name=re.compile(r"^Filter( \(\d+\))?$"))

    @property
    def drawer(self) -> Locator:
        """The modal drawer that holds the filters on a narrow screen."""
        return self.page.get_by_role("dialog", name="Filtrera")

    def open_filters(self) -> None:
        """On a small screen the filters wait in a drawer; on a wide one they are always shown."""
        from playwright.sync_api import expect

        if self.drawer_toggle.is_visible() and not self.drawer.is_visible():
            self.drawer_toggle.click()
            expect(self.drawer).to_be_visible()

    def close_filters(self) -> None:
        from playwright.sync_api import expect

        if self.drawer.is_visible():
            self.drawer.get_by_role("button", name="Visa träffar").click()
            expect(self.drawer).to_be_hidden()
            # The dialog's close event, a task after it hides, gives focus back to "Filter (n)": wait
            # for it, or a test typing at once would type into the button instead of the field.
            expect(self.drawer_toggle).to_be_focused()

    def facet(self, legend: str) -> Locator:
        return self.page.get_by_role("group", name=legend, exact=True)

    def wait_for_results(self) -> None:
        self.page.locator("placeringssok-search section.results:not([aria-busy])").wait_for()
        self.page.wait_for_function(
            "() => { const s = document.querySelector('placeringssok-search')?.shadowRoot?.querySelector('.status');"
            " return s && s.textContent.length > 0; }"
        )

    def choose_school(self, typed: str) -> None:
        """Type into the school field and take the first school offered, as a keyboard user does."""
        self.school.press_sequentially(typed, delay=20)
        self.school_options.first.wait_for()
        self.school.press("ArrowDown")
        self.search_after(lambda: self.school.press("Enter"))

    def exclude_area(self, typed: str) -> None:
        """Type into the exclusion field, take the first area offered and add it as a chip."""
        zone = self.page.get_by_label("Område att undanta")
        zone.press_sequentially(typed, delay=20)
        self.page.get_by_role("listbox", name="Områden").get_by_role("option").first.wait_for()
        zone.press("ArrowDown")
        zone.press("Enter")
        self.search_after(lambda: self.page.get_by_role("button", name="Lägg till området").click())

    def search_after(self, action: Callable[[], object], sent: dict[str, Any] | None = None) -> dict[str, Any]:
        """Do ``action``, wait for the search it causes to be answered and shown; return the response body.

        ``sent`` picks the search whose criteria hold these values, when earlier ones may still be in flight.
        """

        def wanted(response: Response) -> bool:
            if not response.url.endswith(SEARCH_PATH) or response.request.method != "POST":
                return False
            criteria = json.loads(response.request.post_data or "{}")
            return all(criteria.get(k) == v for k, v in (sent or {}).items())

        with self.page.expect_response(wanted) as info:
            action()
        body: dict[str, Any] = info.value.json()
        self.wait_for_results()
        return body

    def total(self) -> int:
        text = self.status.inner_text()
        if text.startswith("Inga träffar"):
            return 0
        return int(text.split(" träff")[0].replace("\xa0", "").replace(" ", ""))

    def axe_violations(self) -> list[dict[str, Any]]:
        return axe_violations(self.page)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now (open shadow roots included)."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): {INSTALL_HINT}", pytrace=False)
    # Evaluated through the DevTools protocol: a <script> tag would be (rightly) refused by the page's CSP.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = "; ".join(str(node["target"]) + " " + node.get("failureSummary", "") for node in v["nodes"][:5])
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} -> {targets}")
    return "\n".join(lines)


@pytest.fixture
def demo(browser: Browser, live_app: str) -> Iterator[Demo]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE", service_workers="block")
    page = context.new_page()
    page.set_default_timeout(10_000)
    log = NetworkLog()
    page.on("request", lambda request: log.requests.append(request))
    page.on("console", lambda message: log.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: log.console_errors.append(str(error)))
    yield Demo(page, live_app, log)
    context.close()
