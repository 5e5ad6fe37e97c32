"""The run page follows a run live, in a real Chromium, on the shipped local storage.

A person opens the page of a run as it starts and leaves it open, never reloading it. While the
run goes on, the page shows log lines the run writes after it was opened (the summaries and the
embeddings steps starting); when the run ends, the page shows its final status within 5 s of
storage having it, in its header and as the run's last log line (the list is scrolled to its
end with the mouse wheel if it did not follow the run there). The run is a live-backend run
against the slow Ollama double, so it lasts long enough to watch (~20 s of model time).

Before issue 11 the local event log kept its SQLite connections open: the run's .db file was
not touched until a WAL checkpoint, the webserver's file watcher never fired, and the page
stayed at "summaries executing" and "Started" for more than 50 s after storage had the success.

One lag is Dagster's own and is allowed, but only when the page shows it happening. The header's
tag reads the run's status from the page's cache. The log stream sets it there as soon as the
run-end event arrives. The sidebar's run-group panel (dagster-ui gantt/RunGroupPanel.tsx) fetches
the run's status too, every 15 s and again when the log shows the end. In one two-worker CI run
the tag said "Started" until 15.3 s after the end while the RUN_SUCCESS line came at 0.3 s,
which fits a panel answer that still said the run was going arriving after the log had set
Success. So a tag later than 5 s passes only if such an answer reached the page after the
run-end event, and the tag came within the panel's next refresh (15 s more).

Screenshots go to the test's tmp folder and to /tmp/lab_ui_screens/run-page-*.png. Needs
Debian's chromium (/usr/bin/chromium) and the playwright package; never `playwright install`.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus
from playwright.sync_api import Page, Response

from lab_pipelines.defs.ingest.partitions import document_partitions
from lab_pipelines.defs.pools import ensure_pool_limits
from lab_pipelines_tests.browser import (
    Screens,
    chromium_page,
    expect,
    require_chromium,
    skip_community_dialog,
)
from lab_pipelines_tests.daemon import dagster_dev
from lab_pipelines_tests.doubles.gemini_server import FakeGemini
from lab_pipelines_tests.doubles.ollama_server import FakeOllama
from lab_pipelines_tests.test_run_queue import (
    instance_of,
    launch_ranged_runs,
    live_env,
    stop_automation,
    write_documents,
)

FINAL_STATUS_WITHIN_S = 5.0
# dagster-ui's RunGroupPanel refreshes every FIFTEEN_SECONDS (app/QueryRefresh.tsx).
RUN_GROUP_PANEL_REFRESH_S = 15.0
FINISHED = {
    DagsterRunStatus.SUCCESS: "Success",
    DagsterRunStatus.FAILURE: "Failure",
    DagsterRunStatus.CANCELED: "Canceled",
}
FINISHED_NAMES = {status.value for status in FINISHED}  # as GraphQL spells them: "SUCCESS"
RUN_END_EVENTS = re.compile(r'"__typename":\s*"Run(Success|Failure|Canceled)Event"')


def step_start_time(instance: DagsterInstance, run_id: str, step: str) -> float | None:
    """When storage got the STEP_START event of ``step``."""
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.STEP_START):
        if entry.step_key == step:
            return entry.timestamp
    return None


@dataclass
class StatusSources:
    """What reaches the page that sets the run's status in its cache: the log stream's first
    run-end event (over the GraphQL websocket), and each answer to the sidebar's
    RunGroupPanelQuery, (when, the run's status as GraphQL spells it)."""

    end_received: float | None = None
    run_group_answers: list[tuple[float, str]] = field(default_factory=list)

    def stale_answers_after_the_end(self) -> list[float]:
        """When (epoch s) a run-group answer still saying the run was going reached the page
        after the log stream had delivered the end."""
        if self.end_received is None:
            return []
        return [
            at
            for at, status in self.run_group_answers
            if at >= self.end_received and status not in FINISHED_NAMES
        ]


def watch_status_sources(page: Page, run_id: str) -> StatusSources:
    sources = StatusSources()

    def on_frame(payload: str | bytes) -> None:
        text = payload if isinstance(payload, str) else payload.decode(errors="replace")
        if sources.end_received is None and RUN_END_EVENTS.search(text):
            sources.end_received = time.time()

    def on_response(response: Response) -> None:
        request = response.request
        # The UI posts to /graphql?op=<operation name>
        if "/graphql" not in request.url or "RunGroupPanelQuery" not in (request.post_data or ""):
            return
        try:
            group = json.loads(response.text())["data"]["runGroupOrError"]
        except (ValueError, KeyError, TypeError):
            return
        for run in group.get("runs") or []:
            if run and run.get("id") == run_id:
                sources.run_group_answers.append((time.time(), run["status"]))

    page.on("websocket", lambda socket: socket.on("framereceived", on_frame))
    page.on("response", on_response)
    return sources


def scroll_to_the_end(page: Page) -> int:
    """Scroll the event list down with the mouse wheel, as a person does when it has not
    followed the run to its last line. The list follows new lines only while it is at its end,
    and a burst of tall rows (the chunks step's materialisations and their metadata) can leave
    it behind: seen in a two-worker suite run and once alone, the list stayed at those rows
    while the header said Success. Scrolling fetches nothing: the list only shows the lines
    the page already received."""
    header = page.get_by_text(re.compile(r"^event type$", re.IGNORECASE)).first  # CSS caps
    box = header.bounding_box(timeout=2_000)
    if box is None:
        return 0
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 200)
    page.mouse.wheel(0, 20_000)
    return 1


def test_the_open_run_page_follows_the_run_live_and_shows_its_end_within_5_s(
    tmp_path: Path,
) -> None:
    require_chromium()
    # 0.6 s a summary, 2 at once, 32 notes: ~10 s in the summaries step, then embeddings.
    with (
        FakeOllama(base_latency=0.6) as ollama,
        FakeGemini() as gemini,
        dagster_dev(tmp_path, **live_env(ollama, gemini)) as dev,
        instance_of(dev) as instance,
    ):
        location = stop_automation(dev)
        keys = write_documents(dev.inbox, 32)
        instance.add_dynamic_partitions(document_partitions.name, keys)
        ensure_pool_limits(instance)
        (run_id,) = launch_ranged_runs(dev, location, [keys], {})

        with chromium_page() as page:
            sources = watch_status_sources(page, run_id)
            shots = Screens(page, tmp_path / "screens", prefix="run-page-")
            shoot = shots.take
            # Opened once, while the run is queued or starting; never reloaded below.
            page.goto(f"http://127.0.0.1:{dev.port}/runs/{run_id}", wait_until="domcontentloaded")
            expect(page.get_by_text(run_id[:8]).first).to_be_visible(timeout=60_000)
            opened = time.time()
            shoot("opened")

            skip_community_dialog(page, timeout_ms=10_000)

            # Watch the page 4 times a second, never reloading it: when does each line show,
            # and was the run still going then? The log list is virtualised (only rows in
            # view exist), so a line is caught while it is on screen.
            lines = {
                'Started execution of step "summaries".': "summaries started",
                "Materialized value summaries.": "a summary materialised",
                'Started execution of step "embeddings".': "embeddings started",
                "Materialized value embeddings.": "an embedding materialised",
            }
            seen: dict[str, tuple[float, DagsterRunStatus]] = {}
            # The end, twice: the status tag in the header and the run's last log line.
            ended = {
                "status tag": page.get_by_text(re.compile(r"^(Success|Failure|Canceled)$")).first,
                "RUN_SUCCESS line": page.get_by_text(
                    'Finished execution of run for "document_pipeline".'
                ).first,
            }
            shown: dict[str, float] = {}
            scrolled = 0
            deadline = time.monotonic() + 240
            while len(shown) < len(ended) and time.monotonic() < deadline:
                status = instance.get_run_by_id(run_id).status  # type: ignore[union-attr]
                for text, what in lines.items():
                    if what not in seen and page.get_by_text(text).first.is_visible():
                        seen[what] = (time.time(), status)
                        shoot(what.replace(" ", "-"))
                for what, locator in ended.items():
                    if what not in shown and locator.is_visible():
                        shown[what] = time.time()
                if "status tag" in shown and "RUN_SUCCESS line" not in shown:
                    scrolled += scroll_to_the_end(page)
                time.sleep(0.25)
            shoot("final")
            record = instance.get_run_record_by_id(run_id)
            assert record is not None and record.end_time is not None
            assert record.dagster_run.status == DagsterRunStatus.SUCCESS

            live = {what for what, (_, status) in seen.items() if status not in FINISHED}
            delays = {what: round(at - record.end_time, 1) for what, at in shown.items()}
            print(
                f"page opened {opened - record.start_time:+.1f} s from the run's start; lines "
                f"shown while the run went on: {sorted(live)}; after storage had the end, the "
                f"page showed: {delays}; the log list scrolled to its end {scrolled} times"
            )
            end_at = sources.end_received and round(sources.end_received - record.end_time, 1)
            panel = [
                (round(at - record.end_time, 1), status) for at, status in sources.run_group_answers
            ]
            print(f"the log stream brought the end at {end_at} s; the run-group panel said {panel}")
            # Written after the page opened, shown before the run ended: at least two lines.
            assert "summaries started" in live and len(live) >= 2, f"live: {live}, seen: {seen}"
            summaries_start = step_start_time(instance, run_id, "summaries")
            assert summaries_start is not None and summaries_start > opened
            lag = seen["summaries started"][0] - summaries_start
            print(f"summaries start shown {lag:.1f} s after storage had it")
            assert ended["status tag"].inner_text() == FINISHED[record.dagster_run.status]
            assert set(delays) == set(ended), f"the page never showed {set(ended) - set(delays)}"
            assert delays["RUN_SUCCESS line"] <= FINAL_STATUS_WITHIN_S, delays
            if delays["status tag"] > FINAL_STATUS_WITHIN_S:
                # Only Dagster's own race excuses a late tag (module docstring).
                stale = [
                    round(at - record.end_time, 1) for at in sources.stale_answers_after_the_end()
                ]
                print(f"the run-group panel said the run was going at {stale} s after its end")
                assert stale, (delays, sources)
                within = RUN_GROUP_PANEL_REFRESH_S + FINAL_STATUS_WITHIN_S
                assert delays["status tag"] <= within, (delays, sources)
