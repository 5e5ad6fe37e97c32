"""The leaderboard and a metadata plot in a real Chromium, after two evaluations over the
doubles: a person opens model_leaderboard, reads the table, and looks at how the candidates'
quality moved between the two materialisations on the Plots tab.

Screenshots go to the test's tmp folder and to /tmp/lab_eval_screens/. Needs Debian's chromium
(/usr/bin/chromium) and the playwright package; never ``playwright install``.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab_pipelines.evaluation.command import main
from lab_pipelines.settings import project_root
from lab_pipelines_tests.fixtures import Lab
from lab_pipelines_tests.monitoring.servers import background, free_port, http_get, wait_until

CHROMIUM = Path("/usr/bin/chromium")
SCREENS = Path("/tmp/lab_eval_screens")
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in a container
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

NOTE = (
    "# Keeping models loaded\n\nOllama unloads a model five minutes after its last request. "
    "The night backfill sets OLLAMA_KEEP_ALIVE to an hour so that EXAONE stays in memory "
    "between documents.\n"
)

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed (pip install playwright)"
)


@pytest.fixture
def evaluated_ui(live_lab: Lab, tmp_path: Path) -> Iterator[str]:
    """Two evaluations (a sample of 3 documents, then of all 6), then `dagster dev` on the
    lab's instance with the file sensors paused (their runs would only be noise here)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install chromium")
    live_lab.monkeypatch.setenv("LAB_EVAL_SAMPLE", "3")
    main(["eval"])
    # A note arrives before the second evaluation: tonight's backlog is one document.
    (live_lab.inbox / "en" / "keep-alive.md").write_text(NOTE, encoding="utf-8")
    live_lab.monkeypatch.setenv("LAB_EVAL_SAMPLE", "12")
    main(["eval"])
    dagster = Path(sys.executable).parent / "dagster"
    for sensor in ("inbox_sensor", "requests_sensor"):  # as on the Automation page
        done = subprocess.run(
            [str(dagster), "sensor", "stop", sensor],
            cwd=project_root(),
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "dagster-dev.log"
    argv = [str(dagster), "dev", "-h", "127.0.0.1", "-p", str(port)]
    with background(argv, log, stop=signal.SIGINT, cwd=project_root()):
        wait_until(lambda: http_get(f"{url}/server_info"), 240, "the Dagster webserver", log)
        yield url


def test_the_leaderboard_and_a_plot_across_two_evaluations(evaluated_ui: str, tmp_path: Path):
    SCREENS.mkdir(exist_ok=True)
    expect = playwright_api.expect
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1700, "height": 1300})
        page.set_default_timeout(60_000)

        def shot(name: str) -> Path:
            path = tmp_path / f"{name}.png"
            page.screenshot(path=str(path))
            shutil.copy(path, SCREENS / path.name)
            return path

        try:
            page.goto(f"{evaluated_ui}/assets/model_leaderboard")
            skip = page.get_by_role("dialog").get_by_role("button", name="Skip")
            try:
                skip.wait_for(timeout=15_000)
                skip.click()
            except playwright_api.TimeoutError:
                pass  # no community dialog on this instance
            # The leaderboard is markdown metadata: the UI renders it in a dialog.
            page.get_by_text("[Show Markdown]").first.click()
            dialog = page.get_by_role("dialog")
            expect(dialog.get_by_text("Summary models (summary_eval)")).to_be_visible()
            tables = dialog.get_by_role("table")
            expect(tables).to_have_count(3)  # summary, embedding and writer boards
            rows = tables.first.get_by_role("row").all_inner_texts()
            # candidate, quality #, speed #: the better model leads on quality, the lazy one
            # on speed
            assert [r.split("\t")[:3] for r in rows[1:]] == [
                ["exaone3.5:7.8b", "1", "2"],
                ["exaone3.5:2.4b", "2", "1"],
            ]
            embedding = tables.nth(1).get_by_role("row").all_inner_texts()
            assert [r.split("\t")[0] for r in embedding[1:]] == ["bge-m3", "nomic-embed-text"]
            expect(dialog.get_by_text("Recommendation")).to_be_visible()
            expect(
                dialog.get_by_text("tonight's backlog: 1 document,", exact=False)
            ).to_be_visible()
            dialog.screenshot(path=str(tmp_path / "01-leaderboard.png"))
            shutil.copy(tmp_path / "01-leaderboard.png", SCREENS / "01-leaderboard.png")
            page.keyboard.press("Escape")

            # Each candidate's quality is one series across the two materialisations.
            page.get_by_role("button", name="Plots").click()
            title = page.get_by_text("summary quality: exaone3.5:2.4b", exact=True)
            expect(title).to_be_visible()
            card = page.locator("div").filter(has=title).filter(has=page.locator("canvas")).last
            expect(card.locator("canvas")).to_be_visible()  # the plot itself (a chart canvas)
            expect(page.get_by_text("summary quality: exaone3.5:7.8b", exact=True)).to_be_visible()
            title.evaluate("e => e.scrollIntoView({block: 'center'})")
            shot("02-plots")
            # Two points a series: the two evaluations, as the Events tab lists them.
            page.get_by_role("tab", name="Events").click()
            expect(page.get_by_text("Materialized in run")).to_be_visible()
            shown = page.get_by_text(re.compile(r"^[A-Z][a-z]{2} \d+, \d+:\d\d [AP]M$"))
            expect(shown).to_have_count(3)  # two in the list, the newest again as the heading
        except (AssertionError, playwright_api.Error) as err:
            last = shot("failed")
            pytest.fail(f"{err}\nlast screenshot: {last}")
        finally:
            browser.close()
