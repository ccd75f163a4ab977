"""Headless Chromium for the end-to-end tests: Debian's chromium driven by Playwright (no
browser download), the app served on loopback from a thread, signing in through the form, and
axe-core for accessibility."""

import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from curriculum.demo import DemoAccount
from models import User
from tests.helpers import PASSWORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Every browser test module's marks: browser tests run in the SQLite pass only, and Chromium
# may drop its favicon download mid-response; the test server (werkzeug) then leaves that
# static file for the garbage collector to close, at any later moment.
BROWSER_TEST_MARKS = [
    pytest.mark.browser,
    pytest.mark.engine_independent,
    pytest.mark.filterwarnings(
        "ignore:Exception ignored in. <_io.FileIO name='[^']*/static/"
        ":pytest.PytestUnraisableExceptionWarning"),
]


def browser_test(test: Any) -> Any:
    """Marks one test as BROWSER_TEST_MARKS marks a whole browser module."""
    for mark in BROWSER_TEST_MARKS:
        test = mark(test)
    return test


# What this machine's closed network needs (see the machine notes): no background requests.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def require_browser() -> None:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("Playwright is not installed (pip install -r requirements-dev.txt)")


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """The app on a free loopback port, for as long as the block runs."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def sign_in(page: Any, user: User | DemoAccount) -> None:
    """Sign in through the form; returns on the home page."""
    page.goto("/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^http://[^/]+/$"))


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the current page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} node(s)"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def sideways_scroll(page: Any, width: int) -> int | None:
    """How wide the page is drawn at ``width`` px, when wider than that (None when it fits)."""
    page.set_viewport_size({"width": width, "height": 800})
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    return scroll_width if scroll_width > width else None
