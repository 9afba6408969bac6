"""The web pages in a real browser: Debian's chromium driven by Playwright (no browser of
Playwright's own), headless, against the session's service (tests/api/service.py) on a real
uvicorn. Every page a test visits is saved as a screenshot under test-output/screenshots/;
every page is checked for console errors and for text that lost its Vietnamese (U+FFFD)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.service import PASSWORD, ROLES, Service
from tests.conftest import REPO, need

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO / "test-output" / "screenshots"
# Without these, chromium keeps trying to reach Google's hosts on a machine with no network.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=vi",  # the browser's own words (the file input's button) in Vietnamese
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    need(CHROMIUM.is_file(), "chromium missing: make setup installs it")
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=FLAGS
        )
        yield launched
        launched.close()


class Visit:
    """A browser tab on the service, with what it saw: console errors, and a numbered
    screenshot of each page `shot` is asked for."""

    count = 0

    def __init__(self, browser: object, service: Service, *, mobile: bool = False) -> None:
        from playwright.sync_api import Browser

        assert isinstance(browser, Browser)
        viewport = {"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900}
        self.context = browser.new_context(
            base_url=service.url, locale="vi-VN", viewport=viewport, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("response", self._response)
        self.status = 0
        """The HTTP status of the last page (document) the tab loaded."""
        self.service = service

    def _response(self, response: object) -> None:
        request = getattr(response, "request", None)
        if getattr(request, "resource_type", "") == "document":
            self.status = int(getattr(response, "status", 0))

    def _console(self, message: object) -> None:
        if getattr(message, "type", "") != "error":
            return
        text = str(getattr(message, "text", message))
        where = getattr(message, "location", {}).get("url", "")
        # A page that itself answers 4xx (a refused form) is logged as a failed load of the
        # page: that is the page working, not an error on it.
        if text.startswith("Failed to load resource") and where == self.page.url:
            return
        self.errors.append(text)

    def shot(self, name: str) -> Path:
        """Save the page as test-output/screenshots/NN-name.png and check its text."""
        Visit.count += 1
        path = SHOTS / f"{Visit.count:02d}-{re.sub(r'[^a-z0-9-]+', '-', name)}.png"
        self.page.screenshot(path=str(path), full_page=True)
        text = self.page.inner_text("body")
        assert "\ufffd" not in text, f"{name}: a character was lost (U+FFFD)"
        assert not self.errors, f"{name}: console errors {self.errors}"
        return path

    def sign_in(self, role: str) -> None:
        login = ROLES[role][0]
        self.page.goto("/dang-nhap")
        self.page.get_by_label("Tên đăng nhập").fill(login)
        self.page.get_by_label("Mật khẩu").fill(PASSWORD)
        self.page.get_by_role("button", name="Đăng nhập").click()
        self.page.wait_for_load_state()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: object, service: Service) -> Iterator[Visit]:
    tab = Visit(browser, service)
    yield tab
    tab.close()
