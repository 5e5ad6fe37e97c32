"""A person in the Dagster UI, in a real Chromium: after ``lab-pipelines run``, they ask a new
question in a request file, find ``generated_outputs`` in the asset graph, materialise that
request's partition from the launch dialog, wait for the run, and read the answer's preview and
its cost in the materialisation event.

Screenshots of every step go to the test's tmp folder and to /tmp/lab_ui_screens/.
Needs Debian's chromium (/usr/bin/chromium) and the playwright package; never
``playwright install`` (it downloads a browser).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from lab_pipelines_tests.browser import (
    SCREENS,
    Screens,
    chromium_page,
    dagster_dev_paused,
    expect,
    playwright_api,
    require_chromium,
    skip_community_dialog,
)
from lab_pipelines_tests.daemon import DagsterDev
from lab_pipelines_tests.fixtures import Lab
from lab_pipelines_tests.runs import materialize_lab

if TYPE_CHECKING:
    from playwright.sync_api import Page

REQUEST = "ko-taint.md"  # one of samples/requests
NEW_QUESTION = "노드 B의 테인트는 어떤 파드를 막고, 톨러레이션은 어디에 붙이나요?"
RUN_TIMEOUT_MS = 180_000  # queued, launched in a subprocess, one step: well under a minute here


@pytest.fixture
def dagster_dev(lab: Lab) -> Iterator[DagsterDev]:
    """`dagster dev` (webserver + daemon) on the lab's DAGSTER_HOME after the lab's jobs ran, so
    documents, embeddings and request partitions exist; the inbox and requests sensors paused,
    as from the Automation page: on start-up they would re-launch every file (all new to their
    cursors), and the person's run should be the only one (and theirs to launch)."""
    require_chromium()
    materialize_lab()
    with dagster_dev_paused(lab.root) as dev:
        yield dev


def metadata_value(page: Page, key: str) -> str:
    """The value cell of metadata entry ``key`` in the event's metadata table."""
    row = page.get_by_role("row").filter(has=page.get_by_text(key, exact=True)).first
    cells = row.get_by_role("cell").all_inner_texts()
    return cells[1].strip()


def test_a_person_materialises_a_request_from_the_ui_and_reads_its_cost(
    lab: Lab, dagster_dev: DagsterDev, tmp_path: Path
) -> None:
    # The person writes a new question into an existing request file.
    (lab.settings.requests / REQUEST).write_text(NEW_QUESTION + "\n", encoding="utf-8")

    for old in SCREENS.glob("*.png"):
        old.unlink()
    with chromium_page() as page:
        screens = Screens(page, tmp_path / "screens")
        step = "start"
        try:
            step = "open the UI"
            page.goto(dagster_dev.url, wait_until="domcontentloaded")
            if skip_community_dialog(page):
                expect(page.get_by_role("dialog")).to_have_count(0)

            step = "open the asset graph"
            page.get_by_role("link", name=re.compile(r"Lineage$")).click()
            expect(page.get_by_text("Global asset lineage")).to_be_visible()
            expect(page.get_by_text("generate", exact=True).first).to_be_visible()
            screens.take("asset-graph")

            step = "find generated_outputs in the graph"
            page.get_by_placeholder("Jump to…").fill("generated_outputs")
            page.keyboard.press("Enter")
            catalog_link = page.get_by_role("link", name="View in Asset Catalog")
            expect(catalog_link).to_be_visible()
            screens.take("generated_outputs-in-graph")

            step = "open generated_outputs"
            catalog_link.click()
            page.wait_for_url(re.compile(r"/assets/generated_outputs"))
            materialize = page.get_by_role("button", name="Materialize…")
            expect(materialize).to_be_visible()
            screens.take("asset-page")

            step = "pick the request's partition in the launch dialog"
            materialize.click()
            dialog = page.get_by_role("dialog")
            title = dialog.get_by_text("Launch runs to materialize generated_outputs")
            expect(title).to_be_visible()
            dialog.get_by_text("Select a partition or create one").click()
            page.get_by_role("menuitem").filter(has_text=REQUEST).click()
            title.click()  # closes the partition menu
            expect(page.get_by_placeholder("Filter partitions")).to_be_hidden()
            expect(dialog.get_by_text("1 partition", exact=True)).to_be_visible()
            screens.take("launch-dialog")

            step = "launch the run"
            dialog.get_by_role("button", name="Launch 1 run").click()
            launched = page.get_by_text(re.compile(r"Launched run [0-9a-f]{8}"))
            expect(launched).to_be_visible()
            short_id = launched.inner_text().split()[-1]
            screens.take("run-launched")

            step = f"wait for run {short_id} to finish"
            page.get_by_role("link", name="View", exact=True).click()
            page.wait_for_url(re.compile(rf"/runs/{short_id}"))
            outcome = page.get_by_text(re.compile(r"^(Success|Failure|Canceled)$")).first
            expect(outcome).to_be_visible(timeout=RUN_TIMEOUT_MS)
            screens.take("run-finished")
            assert outcome.inner_text() == "Success", f"run {short_id} ended {outcome.inner_text()}"

            step = "open the materialisation event"
            page.go_back()  # from the run to the asset page it was launched from
            page.wait_for_url(re.compile(r"/assets/generated_outputs"))
            page.get_by_role("tab", name="Events").click()
            page.get_by_text(REQUEST, exact=True).first.click()  # the newest event
            expect(page.get_by_text(f"materialized in run {short_id}")).to_be_visible()
            screens.take("materialisation-event")

            step = "read the preview and the cost"
            preview = metadata_value(page, "preview")
            assert preview.startswith(NEW_QUESTION), preview[:300]
            assert "Sources" in preview
            page.get_by_text(NEW_QUESTION).first.scroll_into_view_if_needed()
            screens.take("preview")
            assert metadata_value(page, "backend") == "offline"
            # The step's telemetry, labelled as its range's (one request here).
            assert int(metadata_value(page, "range_tokens_in")) > 0  # really written, not reused
            assert float(metadata_value(page, "range_cost_usd")) == 0  # offline: nothing paid
            assert float(metadata_value(page, "range_all_gemini_cost_usd")) > 0  # Gemini's price
        except (AssertionError, playwright_api.Error) as err:
            last = screens.last_words(step)
            tail = dagster_dev.log.read_text(errors="replace")[-4000:]
            pytest.fail(
                f"step {step!r} failed: {err}\nlast screenshot: {last}\n"
                f"dagster dev log tail:\n{tail}"
            )
