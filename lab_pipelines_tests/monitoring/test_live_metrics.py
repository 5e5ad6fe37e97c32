"""One lab day, once per module, with every metric really pushed to a real Pushgateway:

1. ``lab-pipelines run`` with the live backends (Ollama and Gemini protocol doubles);
2. a run that fails (an empty request file) and the run_failure_metrics sensor reacting to it;
3. two ticks of the inbox sensor, with a document dropped in between.

Then: the values read back; every metric the alert rules and the dashboard use is one the
pipeline emits and was seen on the Pushgateway; and a real Prometheus, configured with
deployment/monitoring/prometheus.yml, scrapes it, answers every dashboard query and fires the
run-failure alert.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from lab_pipelines.costs import price_book
from lab_pipelines.defs.ingest.sensors import inbox_sensor
from lab_pipelines.defs.monitoring.sensors import run_failure_metrics
from lab_pipelines.defs.resources import (
    InboxResource,
    LocalModelsResource,
    StoreResource,
    TelemetryResource,
)
from lab_pipelines.metrics import JOB, METRICS
from lab_pipelines_tests.doubles.gemini_server import FakeGemini
from lab_pipelines_tests.doubles.ollama_server import FakeOllama
from lab_pipelines_tests.fixtures import Lab, make_lab
from lab_pipelines_tests.monitoring import files
from lab_pipelines_tests.monitoring.servers import (
    PROMETHEUS,
    Prometheus,
    Pushgateway,
    Scrape,
    require_pushgateway,
    wait_until,
)
from lab_pipelines_tests.runs import materialize_lab

GEMINI_MODEL = "gemini-2.5-flash"
SAMPLE_DOCUMENTS = 6


@dataclass
class LabDay:
    lab: Lab
    pushgateway: Pushgateway
    scrape: Scrape  # the Pushgateway after everything below
    gemini_calls: int


def run_that_fails(lab: Lab) -> None:
    """A request file with no question fails generated_outputs, hence its run."""
    (lab.settings.requests / "empty.md").write_text("", encoding="utf-8")
    with pytest.raises(SystemExit, match="failed"):
        materialize_lab()
    (lab.settings.requests / "empty.md").unlink()


def report_failure(instance: dg.DagsterInstance, telemetry: TelemetryResource) -> None:
    """What the daemon does when a run fails: evaluate run_failure_metrics for it."""
    (failed,) = instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))
    (failure,) = instance.all_logs(failed.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    context = dg.build_run_status_sensor_context(
        sensor_name=run_failure_metrics.name,
        dagster_event=failure.dagster_event,
        dagster_instance=instance,
        dagster_run=failed,
        resources={"telemetry": telemetry},
    ).for_run_failure()
    run_failure_metrics(context)


def tick_inbox_sensor(
    lab: Lab, instance: dg.DagsterInstance, ollama_url: str, telemetry: TelemetryResource
) -> None:
    settings = lab.settings
    resources = {
        "inbox": InboxResource(
            inbox_dir=str(settings.inbox), requests_dir=str(settings.requests), settle_s=0
        ),
        "store": StoreResource(data_dir=str(settings.data)),
        "local_models": LocalModelsResource(backend="live", ollama_host=ollama_url),
        "telemetry": telemetry,
    }
    # The first tick only learns the inbox (all of it is new to the sensor's cursor) ...
    first = inbox_sensor(dg.build_sensor_context(instance=instance, resources=resources))
    # ... then a document arrives, and the second tick reports it as the backlog.
    new = lab.inbox / "en" / "arrived-later.md"
    new.write_text("# Arrived later\n\nA note nobody has processed yet.\n", encoding="utf-8")
    stamp = time.time() - 60  # settled: not being written any more
    os.utime(new, (stamp, stamp))
    inbox_sensor(
        dg.build_sensor_context(instance=instance, cursor=first.cursor, resources=resources)
    )


@pytest.fixture(scope="module")
def lab_day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabDay]:
    require_pushgateway()
    root = tmp_path_factory.mktemp("lab_day")
    with (
        pytest.MonkeyPatch.context() as monkeypatch,
        FakeOllama() as ollama,
        FakeGemini() as gemini,
        Pushgateway(root).running() as pushgateway,
    ):
        lab = make_lab(root, monkeypatch)  # what the `lab` fixture gives, for the module
        lab.use_doubles(ollama.url, gemini.url)
        monkeypatch.setenv("LAB_PUSHGATEWAY_URL", pushgateway.url)
        materialize_lab()
        gemini_calls = len(gemini.calls_to(":generateContent"))
        run_that_fails(lab)

        telemetry = TelemetryResource(pushgateway_url=pushgateway.url)
        with dg.DagsterInstance.get() as instance:  # the instance of the lab's DAGSTER_HOME
            report_failure(instance, telemetry)
            tick_inbox_sensor(lab, instance, ollama.url, telemetry)
        yield LabDay(lab, pushgateway, pushgateway.scrape(), gemini_calls)


def test_model_calls_and_tokens_by_model_and_backend(lab_day: LabDay) -> None:
    calls = lab_day.scrape.by("lab_pipelines_model_calls_total", "model", "backend", job=JOB)
    assert calls[("exaone3.5:7.8b", "ollama")] == SAMPLE_DOCUMENTS  # one summary each
    assert calls[("bge-m3", "ollama")] >= 1  # batched
    assert calls[(GEMINI_MODEL, "gemini")] == lab_day.gemini_calls == 2  # one per request

    tokens = lab_day.scrape.by("lab_pipelines_model_tokens_total", "model", "direction")
    for model in ("exaone3.5:7.8b", "bge-m3", GEMINI_MODEL):
        assert tokens[(model, "input")] > 0, model
    assert tokens[("exaone3.5:7.8b", "output")] > 0
    assert tokens[(GEMINI_MODEL, "output")] > 0
    assert tokens[("bge-m3", "output")] == 0  # embeddings produce vectors, not tokens

    latency = lab_day.scrape.by("lab_pipelines_model_latency_seconds", "model")
    assert set(latency) >= {("exaone3.5:7.8b",), ("bge-m3",), (GEMINI_MODEL,)}
    assert all(seconds > 0 for seconds in latency.values())


def test_gemini_spend_is_the_tokens_at_the_price_book(lab_day: LabDay) -> None:
    scrape = lab_day.scrape
    spent = scrape.value("lab_pipelines_gemini_cost_usd_total", model=GEMINI_MODEL)
    tokens = scrape.by("lab_pipelines_model_tokens_total", "direction", model=GEMINI_MODEL)
    price = price_book().price(GEMINI_MODEL)
    assert spent > 0
    assert spent == pytest.approx(price.cost(tokens[("input",)], tokens[("output",)]))
    # everything happened today (unless the test straddled midnight in Seoul)
    today = scrape.value("lab_pipelines_gemini_cost_usd_today", asset="generated_outputs")
    assert 0 < today <= spent


def test_documents_step_durations_and_successes_per_asset(lab_day: LabDay) -> None:
    scrape = lab_day.scrape
    processed = scrape.by("lab_pipelines_documents_processed_total", "asset")
    assert processed[("summaries",)] == processed[("embeddings",)] == SAMPLE_DOCUMENTS
    assert processed[("generated_outputs",)] >= 2
    for asset in ("documents", "chunks", "summaries", "embeddings", "generated_outputs"):
        assert scrape.value("lab_pipelines_step_duration_seconds", asset=asset) > 0
        age = time.time() - scrape.value(
            "lab_pipelines_last_success_timestamp_seconds", asset=asset
        )
        assert 0 < age < 3600, asset


def test_the_failed_run_is_counted(lab_day: LabDay) -> None:
    failures = lab_day.scrape.value("lab_pipelines_run_failures_total", asset="run_failures")
    assert failures == 1


def test_the_inbox_sensor_reports_the_inbox_the_backlog_and_the_inference_node(
    lab_day: LabDay,
) -> None:
    scrape = lab_day.scrape
    assert scrape.value("lab_pipelines_inbox_documents", asset="inbox_sensor") == 7
    assert scrape.value("lab_pipelines_backlog_documents", asset="inbox_sensor") == 1
    assert scrape.value("lab_pipelines_inference_up", asset="inbox_sensor") == 1


def test_rules_and_dashboard_use_only_metrics_the_pipeline_emits() -> None:
    # Needs no server: a misspelt or renamed metric fails here on any clone.
    everything = "\n".join(
        [r["expr"] for r in files.rules()] + [expr for _, expr in files.dashboard_queries()]
    )
    named = set(re.findall(r"\blab_pipelines_[a-z_]+\b", everything))
    assert named, "no lab_pipelines_ metric found: is the extraction broken?"
    assert named <= set(METRICS), f"not emitted by the pipeline: {named - set(METRICS)}"

    uses = files.rule_and_dashboard_metrics()
    recorded = {r["record"] for r in files.rules() if "record" in r}
    unknown = {
        name: sorted(where)
        for name, where in uses.items()
        if name not in METRICS and name not in recorded and name not in files.PUSHGATEWAY_METRICS
    }
    assert not unknown, f"metrics used but neither emitted nor recorded: {unknown}"
    unused = set(METRICS) - set(uses)
    assert not unused, f"emitted but on no panel and in no rule: {unused}"


def test_every_metric_they_use_was_really_pushed(lab_day: LabDay) -> None:
    used = set(files.rule_and_dashboard_metrics())
    expected = (used & set(METRICS)) | (used & files.PUSHGATEWAY_METRICS)
    seen = lab_day.scrape.names
    assert expected <= seen, f"never pushed during the lab day: {expected - seen}"
    assert set(METRICS) <= seen, f"declared in METRICS but never pushed: {set(METRICS) - seen}"


@pytest.fixture(scope="module")
def prometheus(lab_day: LabDay, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prometheus]:
    if not PROMETHEUS.exists():
        pytest.skip(f"{PROMETHEUS} not found: install Debian's prometheus package to run it")
    workdir: Path = tmp_path_factory.mktemp("prometheus")
    server = Prometheus(workdir, files.PROMETHEUS_CONFIG, lab_day.pushgateway)
    with server.running() as running:
        # increase() needs two samples in its window: wait for a few scrapes.
        wait_until(
            lambda: running.query(
                'count_over_time(lab_pipelines_inbox_documents{job="lab_pipelines"}[1m]) >= 3'
            ),
            60,
            "three scrapes of the Pushgateway",
            running.log,
        )
        yield running


def test_prometheus_keeps_the_pushed_labels(prometheus: Prometheus) -> None:
    (series,) = prometheus.query("lab_pipelines_inference_up")
    # honor_labels: the pipeline's job and asset, not the scrape job's
    assert series["metric"]["job"] == "lab_pipelines"
    assert series["metric"]["asset"] == "inbox_sensor"


@pytest.mark.parametrize(
    "title, promql",
    files.dashboard_queries(),
    ids=[f"{n:02d} {title}" for n, (title, _) in enumerate(files.dashboard_queries())],
)
def test_every_dashboard_query_answers(prometheus: Prometheus, title: str, promql: str) -> None:
    assert prometheus.query(promql), f"panel {title!r} would show no data:\n{promql}"


def test_the_rules_load_and_the_failed_run_fires_its_alert(
    prometheus: Prometheus, lab_day: LabDay
) -> None:
    groups = prometheus.api("rules")["groups"]
    loaded = {rule["name"]: rule for group in groups for rule in group["rules"]}
    assert set(loaded) == {r.get("alert") or r.get("record") for r in files.rules()}
    assert all(rule["health"] == "ok" for rule in loaded.values()), loaded

    spent_today = lab_day.scrape.value("lab_pipelines_gemini_cost_usd_today")
    (recorded,) = wait_until(
        lambda: prometheus.query("lab_pipelines:gemini_cost_usd_today"),
        30,
        "the spend-today recording rule",
        prometheus.log,
    )
    assert float(recorded["value"][1]) == pytest.approx(spent_today)

    firing = wait_until(
        lambda: prometheus.query('ALERTS{alertstate="firing"}'),
        30,
        "the run-failure alert",
        prometheus.log,
    )
    assert {a["metric"]["alertname"] for a in firing} == {"LabPipelinesRunFailed"}
