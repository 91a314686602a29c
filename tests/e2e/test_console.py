"""The web console in headless Debian Chromium (Playwright), on the processes `make serve` starts.

Uploads a real photo, sees its plate text on the page, finds it in the history one character off, and adds
a watch-list entry. Never downloads a browser: Playwright drives /usr/bin/chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import data_set, labels
from tests.support.served import serve

pytestmark = pytest.mark.e2e
API = "/galaxy-alpr/v1"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="module")
def console_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """scripts/serve.py on free loopback ports, outputs (and the SQLite history) in a temp dir."""
    served = serve(tmp_path_factory.mktemp("console"))
    yield served.url
    served.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, through Playwright (skips when either is missing)."""
    if not CHROMIUM.is_file():
        pytest.skip("Debian chromium is not installed (scripts/ci/install_chromium.sh)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_upload_shows_the_plate_and_history_finds_it(console_url: str, browser: object) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    record = labels("openalpr-us")[0]
    photo = data_set("openalpr-us") / record["image"]
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{console_url}/console")
    expect(page.locator("h1:visible")).to_have_text("Upload a photo or a video")
    page.set_input_files("#upload-file", str(photo))
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#upload-status")).to_contain_text("plate(s) read", timeout=120_000)
    expect(page.locator("#upload-canvas")).to_be_visible()
    shown = page.locator("#upload-reads tbody td.plate").first.inner_text().strip()
    # What the page shows is what the service recorded for this photo.
    recorded = httpx.get(f"{console_url}{API}/history/reads", params={"limit": 1}).json()["data"]["reads"][0]
    assert shown and shown == recorded["plate_number"] and recorded["original_filename"] == photo.name

    text = "".join(ch for ch in shown.upper() if ch.isalnum())
    off = text[:-1] + ("X" if text[-1] != "X" else "Y")  # one character off
    page.click("nav a[data-page=history]")
    page.fill("#history-plate", off)
    page.fill("#history-distance", "1")
    page.click("#history-form button[type=submit]")
    row = page.locator("#history-reads tbody tr").first
    expect(row.locator("td.plate")).to_have_text(shown, timeout=30_000)
    expect(row.locator("img.thumb")).to_be_visible()
    row.click()
    expect(page.locator("#evidence img")).to_be_visible()
    assert page.locator("#evidence img").evaluate("img => img.naturalWidth") > 0  # the evidence image loaded
    page.keyboard.press("Escape")

    page.click("nav a[data-page=watchlist]")
    page.fill("#watch-form input[name=plate_number]", shown)
    page.fill("#watch-form input[name=label]", "console test")
    page.click("#watch-form button[type=submit]")
    expect(page.locator("#watch-entries tbody td.plate").first).to_have_text(shown, timeout=30_000)

    page.click("nav a[data-page=live]")
    expect(page.locator("#live-status")).not_to_have_text("Connecting…", timeout=30_000)
    assert errors == []
