"""A person's browser in the UI tests: Debian's Chromium, driven by playwright, on `dagster dev`.

Needs /usr/bin/chromium (apt-get install chromium) and the playwright package; never
``playwright install`` (it downloads a browser of its own). A module that imports this one is
skipped where playwright is not installed, and `chromium_page` skips where Chromium is absent.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from lab_pipelines_tests.daemon import DagsterDev, dagster_dev_on, stop_sensors

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
SCREENS = Path("/tmp/lab_ui_screens")
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in a container
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FILE_SENSORS = ("inbox_sensor", "requests_sensor")

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed (pip install playwright)"
)
expect = playwright_api.expect
# For every UI test, run alone or after others: a loaded machine renders the asset pages slowly
# (playwright's own default is 5 s).
expect.set_options(timeout=60_000)


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install chromium")


@contextlib.contextmanager
def chromium_page(
    width: int = 1600, height: int = 1000, timeout_ms: int = 30_000
) -> Iterator[Page]:
    """One headless Chromium page, closed with its browser when the block ends."""
    require_chromium()
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(timeout_ms)
            yield page
        finally:
            browser.close()


def skip_community_dialog(page: Page, timeout_ms: int = 20_000) -> bool:
    """A fresh instance greets with "Join the Dagster community": skip it, as a person would.
    False when no such dialog came (dismissed on this instance, or no longer shown by Dagster)."""
    skip = page.get_by_role("dialog").get_by_role("button", name="Skip")
    try:
        skip.wait_for(timeout=timeout_ms)
    except playwright_api.TimeoutError:
        return False
    skip.click()
    return True


@dataclass
class Screens:
    """Numbered screenshots, one per step, in ``folder`` and copied to ``shared``."""

    page: Page
    folder: Path
    shared: Path = SCREENS
    prefix: str = ""
    taken: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.shared.mkdir(exist_ok=True)

    def take(self, step: str) -> Path:
        path = self.folder / f"{self.prefix}{len(self.taken) + 1:02d}-{step}.png"
        self.page.screenshot(path=str(path))
        shutil.copy(path, self.shared / path.name)
        self.taken.append(path)
        return path

    def last_words(self, step: str) -> Path | None:
        """A screenshot of the page as a step failed; the last one taken if the page is gone."""
        try:
            return self.take(f"failed-at-{''.join(c if c.isalnum() else '-' for c in step)}")
        except playwright_api.Error:
            return self.taken[-1] if self.taken else None


@contextlib.contextmanager
def dagster_dev_paused(root: Path) -> Iterator[DagsterDev]:
    """`dagster dev` over the lab this process's environment names (`fixtures.Lab`), its inbox
    and requests sensors stopped as from the Automation page, so the person's runs are the only
    ones. Their start-up tick takes nothing before they are stopped: a file is taken once it has
    settled, and LAB_SETTLE_S outlasts the test, so that tick only sees the files (and the next
    tick, which would take them as unchanged, is LAB_SENSOR_INTERVAL_S, a day, away)."""
    require_chromium()
    env = {**os.environ, "LAB_SETTLE_S": str(10**9), "LAB_SENSOR_INTERVAL_S": str(86_400)}
    with dagster_dev_on(env, root) as dev:
        dev.wait_until(lambda: stop_sensors(dev, FILE_SENSORS), 240, "the code location")
        yield dev
