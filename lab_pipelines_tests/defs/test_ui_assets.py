"""Assets in the Dagster UI, in a real Chromium, over `dagster dev` on a lab folder:

- a summaries partition's page shows that document's own summary as its preview, although one
  ranged run summarised both documents;
- Materialize on `ad_hoc_output` opens the launchpad (its question is required config) and
  launches nothing: no Gemini call without a question.

Screenshots of every step go to the test's tmp folder and to /tmp/lab_ui_screens/. Needs
Debian's chromium (/usr/bin/chromium) and the playwright package; never `playwright install`.
"""

from __future__ import annotations

import re
import time
import urllib.parse
from pathlib import Path

import pytest

from lab_pipelines.store import Store
from lab_pipelines_tests.browser import (
    Screens,
    chromium_page,
    expect,
    playwright_api,
    require_chromium,
    skip_community_dialog,
)
from lab_pipelines_tests.daemon import DagsterDev, dagster_dev

DOCS = {
    "ko/백업-정책.md": "# 백업 정책\n\n백업 작업은 매일 새벽 한 시에 컴퓨트 노드의 모든 볼륨을 "
    "스토리지 상자로 복사한다. 복사가 끝나면 체크섬을 비교하여 손상을 찾는다.\n",
    "en/gpu-notes.md": "# GPU notes\n\nThe inference node keeps the embedding model resident in "
    "GPU memory so that the first request of the morning does not wait for a load.\n",
}
RUNS = "{ runsOrError { ... on Runs { results { runId assetSelection { path } } } } }"


def _runs(dev: DagsterDev) -> dict[str, list[str]]:
    results = dev.graphql(RUNS)["runsOrError"]["results"]
    return {r["runId"]: ["/".join(a["path"]) for a in r["assetSelection"] or []] for r in results}


def test_a_partition_page_shows_its_own_preview_and_ad_hoc_asks_first(tmp_path: Path) -> None:
    require_chromium()
    with dagster_dev(tmp_path) as dev:
        for doc_id, text in DOCS.items():
            (dev.inbox / doc_id).parent.mkdir(parents=True, exist_ok=True)
            (dev.inbox / doc_id).write_text(text, encoding="utf-8")
        dev.wait_until(
            lambda: all(dev.materialization_runs("summaries", d) for d in DOCS), 240, "summaries"
        )
        runs = {dev.materialization_runs("summaries", d)[0] for d in DOCS}
        assert len(runs) == 1, "both documents were meant to share one ranged run"
        summaries = Store(dev.data / "lancedb").summaries(list(DOCS))

        with chromium_page() as page:
            screens = Screens(page, tmp_path / "screens", prefix="assets-")
            take = screens.take

            step = "start"
            try:
                step = "open the UI"
                page.goto(f"http://127.0.0.1:{dev.port}/assets", wait_until="domcontentloaded")
                skip_community_dialog(page)
                expect(page.get_by_role("dialog")).to_have_count(0)
                expect(page.get_by_text("ad_hoc_output").first).to_be_visible()
                for doc_id in DOCS:
                    step = f"open the summaries partition {doc_id}"
                    quoted = urllib.parse.quote(doc_id, safe="")
                    page.goto(
                        f"http://127.0.0.1:{dev.port}/assets/summaries?view=partitions"
                        f"&partition={quoted}",
                        wait_until="domcontentloaded",
                    )
                    own = summaries[doc_id]["summary"]
                    expect(page.get_by_text(own[:40]).first).to_be_visible()
                    other = next(d for d in DOCS if d != doc_id)
                    expect(page.get_by_text(summaries[other]["summary"][:40])).to_have_count(0)
                    take(f"partition-{len(screens.taken) + 1}")

                step = "open ad_hoc_output"
                before = _runs(dev)
                page.goto(
                    f"http://127.0.0.1:{dev.port}/assets/ad_hoc_output",
                    wait_until="domcontentloaded",
                )
                materialize = page.get_by_role("button", name=re.compile(r"\bMaterialize$"))
                expect(materialize.first).to_be_visible()
                take("ad-hoc-asset-page")

                step = "click Materialize on ad_hoc_output"
                materialize.first.click()
                dialog = page.get_by_role("dialog")
                expect(dialog.get_by_text(re.compile("Launchpad"))).to_be_visible()
                expect(dialog.get_by_text("question").first).to_be_visible()
                take("ad-hoc-launchpad")
                time.sleep(3)  # a launched run would be in the run storage by now
                after = _runs(dev)
                launched = {run: assets for run, assets in after.items() if run not in before}
                assert not launched, f"Materialize launched runs: {launched}"
            except (AssertionError, playwright_api.Error) as err:
                screens.last_words(step)
                pytest.fail(f"step {step!r} failed: {err}\nscreenshots: {screens.taken}")
