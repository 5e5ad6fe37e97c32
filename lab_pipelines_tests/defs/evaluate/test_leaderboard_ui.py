"""The leaderboard and a metadata plot in a real Chromium, after two evaluations over the
doubles: a person opens model_leaderboard, reads the table, and looks at how the candidates'
quality moved between the two materialisations on the Plots tab.

Screenshots go to the test's tmp folder and to /tmp/lab_eval_screens/. Needs Debian's chromium
(/usr/bin/chromium) and the playwright package; never ``playwright install``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab_pipelines.evaluation.command import main
from lab_pipelines_tests import browser
from lab_pipelines_tests.browser import expect
from lab_pipelines_tests.daemon import DagsterDev
from lab_pipelines_tests.fixtures import Lab

SCREENS = Path("/tmp/lab_eval_screens")
NOTE = (
    "# Keeping models loaded\n\nOllama unloads a model five minutes after its last request. "
    "The night backfill sets OLLAMA_KEEP_ALIVE to an hour so that EXAONE stays in memory "
    "between documents.\n"
)


@pytest.fixture
def evaluated_ui(live_lab: Lab) -> Iterator[DagsterDev]:
    """Two evaluations (a sample of 3 documents, then of all 6), then `dagster dev` on the
    lab's instance with the file sensors paused (their runs would only be noise here)."""
    browser.require_chromium()
    live_lab.monkeypatch.setenv("LAB_EVAL_SAMPLE", "3")
    main(["eval"])
    # A note arrives before the second evaluation: tonight's backlog is one document.
    (live_lab.inbox / "en" / "keep-alive.md").write_text(NOTE, encoding="utf-8")
    live_lab.monkeypatch.setenv("LAB_EVAL_SAMPLE", "12")
    main(["eval"])
    with browser.dagster_dev_paused(live_lab.root) as dev:
        yield dev


def test_the_leaderboard_and_a_plot_across_two_evaluations(
    evaluated_ui: DagsterDev, tmp_path: Path
) -> None:
    with browser.chromium_page(1700, 1300, timeout_ms=60_000) as page:
        screens = browser.Screens(page, tmp_path, shared=SCREENS)
        try:
            page.goto(f"{evaluated_ui.url}/assets/model_leaderboard")
            browser.skip_community_dialog(page, timeout_ms=15_000)
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
            screens.take("leaderboard")
            page.keyboard.press("Escape")

            # Each candidate's quality is one series across the two materialisations.
            page.get_by_role("button", name="Plots").click()
            title = page.get_by_text("summary quality: exaone3.5:2.4b", exact=True)
            expect(title).to_be_visible()
            card = page.locator("div").filter(has=title).filter(has=page.locator("canvas")).last
            expect(card.locator("canvas")).to_be_visible()  # the plot itself (a chart canvas)
            expect(page.get_by_text("summary quality: exaone3.5:7.8b", exact=True)).to_be_visible()
            title.evaluate("e => e.scrollIntoView({block: 'center'})")
            screens.take("plots")
            # Two points a series: the two evaluations, as the Events tab lists them.
            page.get_by_role("tab", name="Events").click()
            expect(page.get_by_text("Materialized in run")).to_be_visible()
            shown = page.get_by_text(re.compile(r"^[A-Z][a-z]{2} \d+, \d+:\d\d [AP]M$"))
            expect(shown).to_have_count(3)  # two in the list, the newest again as the heading
        except (AssertionError, browser.playwright_api.Error) as err:
            pytest.fail(f"{err}\nlast screenshot: {screens.last_words('the leaderboard')}")
