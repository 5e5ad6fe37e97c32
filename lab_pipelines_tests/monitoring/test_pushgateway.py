"""What the pipeline pushes to a real Pushgateway, read back as Prometheus would scrape it.

With LAB_PUSHGATEWAY_URL set, every step pushes its figures under {job="lab_pipelines",
asset=<asset>}, and the inbox sensor pushes the inbox's under asset="inbox_sensor".
"""

import time

import dagster as dg

from lab_pipelines.defs.ingest.sensors import inbox_sensor
from lab_pipelines.defs.resources import (
    InboxResource,
    LocalModelsResource,
    StoreResource,
    TelemetryResource,
)
from lab_pipelines.metrics import JOB
from lab_pipelines_tests.fixtures import Lab
from lab_pipelines_tests.monitoring.servers import Pushgateway, free_port
from lab_pipelines_tests.runs import materialize_lab

SAMPLE_DOCUMENTS = 6  # samples/inbox
SAMPLE_REQUESTS = 2  # samples/requests
DOCUMENT_ASSETS = ("documents", "chunks", "summaries", "embeddings")


def test_an_offline_run_pushes_what_each_step_did(lab: Lab, pushgateway: Pushgateway) -> None:
    lab.monkeypatch.setenv("LAB_PUSHGATEWAY_URL", pushgateway.url)
    started = time.time()
    materialize_lab()
    first = pushgateway.scrape()

    processed = first.by("lab_pipelines_documents_processed_total", "asset", job=JOB)
    assert processed == {
        **{(asset,): SAMPLE_DOCUMENTS for asset in DOCUMENT_ASSETS},
        ("generated_outputs",): SAMPLE_REQUESTS,
    }
    calls = first.by("lab_pipelines_model_calls_total", "asset", "model", "backend")
    assert calls[("summaries", "offline-extractive-v1", "offline")] == SAMPLE_DOCUMENTS
    assert calls[("embeddings", "offline-lexical-v1", "offline")] >= 1
    assert calls[("generated_outputs", "offline-extractive-answer-v1", "offline")] == 2
    tokens = first.by("lab_pipelines_model_tokens_total", "asset", "direction")
    for asset in ("summaries", "embeddings", "generated_outputs"):
        assert tokens[(asset, "input")] > 0, asset
    assert tokens[("summaries", "output")] > 0 and tokens[("generated_outputs", "output")] > 0
    for asset in (*DOCUMENT_ASSETS, "generated_outputs"):
        assert first.value("lab_pipelines_step_duration_seconds", asset=asset) > 0
        assert started <= first.value("lab_pipelines_last_success_timestamp_seconds", asset=asset)
        assert first.value("lab_pipelines_last_success_timestamp_seconds", asset=asset) <= (
            time.time()
        )
    assert first.value("lab_pipelines_model_latency_seconds", asset="summaries") > 0
    # The offline backends never call Gemini, so no spend is reported at all.
    assert not first.find("lab_pipelines_gemini_cost_usd_total")

    # An unchanged inbox: no work, so the counters stay put; the successes are newer.
    materialize_lab()
    second = pushgateway.scrape()
    assert second.by("lab_pipelines_documents_processed_total", "asset", job=JOB) == processed
    assert second.by("lab_pipelines_model_calls_total", "asset", "model", "backend") == calls
    for asset in DOCUMENT_ASSETS:
        assert second.value(
            "lab_pipelines_last_success_timestamp_seconds", asset=asset
        ) > first.value("lab_pipelines_last_success_timestamp_seconds", asset=asset)


def sensor_resources(
    lab: Lab, pushgateway: Pushgateway, local_models: LocalModelsResource
) -> dict[str, dg.ConfigurableResource]:
    settings = lab.settings
    return {
        "inbox": InboxResource(
            inbox_dir=str(settings.inbox), requests_dir=str(settings.requests), settle_s=0
        ),
        "store": StoreResource(data_dir=str(settings.data)),
        "local_models": local_models,
        "telemetry": TelemetryResource(pushgateway_url=pushgateway.url),
    }


def test_the_inbox_sensor_reports_an_unreachable_inference_node(
    lab: Lab, pushgateway: Pushgateway
) -> None:
    nobody_listens = f"http://127.0.0.1:{free_port()}"
    resources = sensor_resources(
        lab, pushgateway, LocalModelsResource(backend="live", ollama_host=nobody_listens)
    )
    with dg.instance_for_test() as instance:
        inbox_sensor(dg.build_sensor_context(instance=instance, resources=resources))

    pushed = pushgateway.scrape()
    assert pushed.value("lab_pipelines_inference_up", job=JOB, asset="inbox_sensor") == 0
    assert pushed.value("lab_pipelines_inbox_documents", asset="inbox_sensor") == SAMPLE_DOCUMENTS
    # nothing has been processed yet: the whole inbox is the backlog
    assert pushed.value("lab_pipelines_backlog_documents", asset="inbox_sensor") == (
        SAMPLE_DOCUMENTS
    )


def test_with_the_offline_backends_the_sensor_does_not_claim_an_inference_node(
    lab: Lab, pushgateway: Pushgateway
) -> None:
    resources = sensor_resources(lab, pushgateway, LocalModelsResource(backend="offline"))
    with dg.instance_for_test() as instance:
        inbox_sensor(dg.build_sensor_context(instance=instance, resources=resources))

    pushed = pushgateway.scrape()
    assert pushed.value("lab_pipelines_inbox_documents", asset="inbox_sensor") == SAMPLE_DOCUMENTS
    assert not pushed.find("lab_pipelines_inference_up")
