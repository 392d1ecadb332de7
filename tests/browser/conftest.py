"""Browser harness: Debian's Chromium driven by Playwright against pytest-django's live server.

The tests fail, never skip, when Chromium is missing: a journey nobody ran is not a journey that works.
Screenshots of every step go to test-artifacts/ (gitignored)."""
import itertools
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse ORM calls from the test.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `apt-get install -y chromium fonts-noto-cjk`.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def shot(page, request):
    """shot("name") saves a full-page screenshot as test-artifacts/<test>-<step>-<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    steps = itertools.count(1)
    test_name = re.sub(r"[^\w-]", "_", request.node.name)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{test_name}-{next(steps):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
