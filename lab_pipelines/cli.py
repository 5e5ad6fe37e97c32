"""``lab-pipelines``: run the whole graph, search the index, ask a question.

Every command reads the same settings as the Dagster resources (lab_pipelines.settings), and
``run`` materialises through the code location's own jobs on the instance of DAGSTER_HOME.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from lab_pipelines.settings import Settings, SettingsError, load_settings, project_root

RUN_BATCH = 100  # documents per ranged run, as the assets' BackfillPolicy


LOCAL_INSTANCE_CONFIG = project_root() / "deployment" / "local" / "dagster.yaml"


def ensure_instance_config(home: Path) -> None:
    """Give a DAGSTER_HOME without a dagster.yaml the project's local instance configuration
    (pools for Ollama and LanceDB, run limits); an existing one is the owner's and is kept."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() and LOCAL_INSTANCE_CONFIG.exists():
        shutil.copyfile(LOCAL_INSTANCE_CONFIG, config)


def _instance(settings: Settings):  # noqa: ANN202 - imported lazily: dagster is slow to import
    from dagster import DagsterInstance

    if not os.environ.get("DAGSTER_HOME"):
        home = settings.data / "dagster_home"
        home.mkdir(parents=True, exist_ok=True)
        os.environ["DAGSTER_HOME"] = str(home)
    ensure_instance_config(Path(os.environ["DAGSTER_HOME"]))
    return DagsterInstance.get()


def add_partitions(instance, name: str, wanted: Sequence[str]) -> None:  # noqa: ANN001
    """Add the partitions of ``wanted`` that are missing. Another process (the sensor, a second
    `lab-pipelines run`) may add the same keys at the same moment: on the unique-key clash,
    look again and add what is still missing."""
    from sqlalchemy.exc import IntegrityError

    for _ in range(5):
        known = set(instance.get_dynamic_partitions(name))
        new = [key for key in wanted if key not in known]
        if not new:
            return
        try:
            instance.add_dynamic_partitions(name, new)
            return
        except IntegrityError:
            time.sleep(0.2)
    raise RuntimeError(f"could not register the {name} partitions: another process keeps adding")


def sync_partitions(instance, settings: Settings) -> tuple[list[str], list[str], list[str]]:  # noqa: ANN001
    """Make the dynamic partitions match the inbox and requests folders; drop rows of gone files."""
    from lab_pipelines.defs.generate.partitions import request_partitions
    from lab_pipelines.defs.ingest.partitions import document_partitions
    from lab_pipelines.inbox import request_files, scan_inbox
    from lab_pipelines.store import LabStore

    store = LabStore(settings.lancedb_dir)
    doc_ids = [f.doc_id for f in scan_inbox(settings.inbox)]
    request_ids = [f.doc_id for f in request_files(settings.requests)]
    removed: list[str] = []
    for definition, wanted in ((document_partitions, doc_ids), (request_partitions, request_ids)):
        add_partitions(instance, definition.name, wanted)
        gone = sorted(set(instance.get_dynamic_partitions(definition.name)) - set(wanted))
        for key in gone:
            instance.delete_dynamic_partition(definition.name, key)
        if definition is document_partitions:
            store.delete_documents(gone)
        else:
            for request_id in gone:
                store.delete_output(request_id)
        removed += gone
    return (
        instance.get_dynamic_partitions(document_partitions.name),
        instance.get_dynamic_partitions(request_partitions.name),
        removed,
    )


LAUNCHER_TAGS = {"lab/launcher": "cli", "lab/host": socket.gethostname()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_orphaned_runs(instance) -> list[str]:  # noqa: ANN001
    """Mark runs of a lab-pipelines process that died (SIGKILL, OOM, reboot) as failed and free
    the pool slots they held; otherwise their slots stay claimed and every later run waits.

    In a deployment the daemon's run monitoring does this; `lab-pipelines run` has no daemon.
    """
    from dagster._core.storage.dagster_run import DagsterRunStatus, RunsFilter

    orphans = []
    running = [DagsterRunStatus.STARTED, DagsterRunStatus.STARTING]
    for run in instance.get_runs(RunsFilter(statuses=running, tags=LAUNCHER_TAGS)):
        pid = int(run.tags.get("lab/pid", "0"))
        if pid and not _alive(pid):
            instance.report_run_failed(
                run, f"the lab-pipelines process (pid {pid}) running it died"
            )
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            orphans.append(run.run_id)
    return orphans


def _ranged_runs(job, instance, keys: Sequence[str], batch: int, label: str) -> None:  # noqa: ANN001
    from dagster._core.storage.tags import (
        ASSET_PARTITION_RANGE_END_TAG,
        ASSET_PARTITION_RANGE_START_TAG,
    )

    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    batches = [keys[i : i + batch] for i in range(0, len(keys), batch)]
    for number, chunk in enumerate(batches, 1):
        started = time.perf_counter()
        result = job.execute_in_process(
            instance=instance,
            run_config=quiet,
            tags={
                ASSET_PARTITION_RANGE_START_TAG: chunk[0],
                ASSET_PARTITION_RANGE_END_TAG: chunk[-1],
                **LAUNCHER_TAGS,
                "lab/pid": str(os.getpid()),
            },
            raise_on_error=False,
        )
        status = "ok" if result.success else "FAILED"
        print(
            f"  {label} {number}/{len(batches)}: {len(chunk)} partitions "
            f"({chunk[0]} … {chunk[-1]}) {status} in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        if not result.success:
            for event in result.all_events:
                if event.is_step_failure:
                    print(f"    {event.step_key}: {_root_cause(event.event_specific_data.error)}")
            raise SystemExit(f"run {result.run_id} failed; see the Dagster UI for its logs")


def _root_cause(error) -> str:  # noqa: ANN001 - a dagster SerializableErrorInfo
    """The first error below Dagster's wrappers: ours, which names the cause and the fix."""
    while error.cause is not None and error.cls_name.startswith("Dagster"):
        error = error.cause
    return f"{error.cls_name}: {error.message.strip()}"


def cmd_run(settings: Settings, batch: int) -> None:
    from lab_pipelines.definitions import defs
    from lab_pipelines.store import DOCUMENTS, OUTPUTS, SUMMARIES, LabStore, embeddings_table_name

    started = time.perf_counter()
    instance = _instance(settings)
    print(f"inbox        {settings.inbox}\nbackend      {settings.backend}")
    print(f"DAGSTER_HOME {os.environ['DAGSTER_HOME']}")
    for run_id in fail_orphaned_runs(instance):
        print(f"run {run_id} had died mid-way: marked failed, its pool slots freed")
    doc_ids, request_ids, removed = sync_partitions(instance, settings)
    print(
        f"documents {len(doc_ids)} partitions, requests {len(request_ids)}, removed {len(removed)}"
    )
    # Load the code location against this instance's state storage (what `with instance:`
    # does), not whatever an earlier instance in this process left in Dagster's context.
    from dagster._core.storage.defs_state.base import set_defs_state_storage

    with set_defs_state_storage(instance.defs_state_storage):
        definitions = defs()
    if doc_ids:
        _ranged_runs(
            definitions.resolve_job_def("document_pipeline"), instance, doc_ids, batch, "documents"
        )
    if request_ids:
        _ranged_runs(
            definitions.resolve_job_def("generation"), instance, request_ids, batch, "requests"
        )
    ledger = definitions.resolve_job_def("cost_report").execute_in_process(
        instance=instance,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        tags={**LAUNCHER_TAGS, "lab/pid": str(os.getpid())},
    )
    savings = ledger.asset_materializations_for_node("cost_ledger")[0].metadata["savings_ratio"]
    store = LabStore(settings.lancedb_dir)
    OK, SKIPPED = "status = 'ok'", "status = 'skipped'"
    embed_model = _resources(settings)["local_models"].embedder().model
    print(
        f"\nLanceDB {settings.lancedb_dir}: "
        f"{store.count(DOCUMENTS, OK)} documents "
        f"({store.count(DOCUMENTS, SKIPPED)} skipped), "
        f"{store.count(SUMMARIES)} summaries, "
        f"{store.count(embeddings_table_name(embed_model))} vectors, {store.count(OUTPUTS)} outputs"
    )
    print(
        f"cost ledger: saved {savings.value:.1%} of the all-Gemini cost "
        f"({settings.outputs_dir / 'cost_ledger.md'})"
    )
    outputs = sorted(settings.outputs_dir.rglob("*.md")) if settings.outputs_dir.exists() else []
    print(f"outputs in {settings.outputs_dir}:")
    for path in outputs:
        print(f"  {path}")
    print(f"done in {time.perf_counter() - started:.1f} s")


def _resources(settings: Settings) -> dict:
    """The same resources the code location uses, so the CLI cannot drift from the UI."""
    from lab_pipelines.defs.resources import build_resources

    return build_resources(settings, as_env_vars=False)


def cmd_search(settings: Settings, query: str, k: int, as_json: bool, mode: str) -> None:
    from lab_pipelines.stages.generate import retrieve
    from lab_pipelines.store import LabStore

    store = LabStore(settings.lancedb_dir)
    embedder = _resources(settings)["local_models"].embedder()
    hits = retrieve(store, embedder, query, k=k, mode=mode)
    paths = {
        d["doc_id"]: d["path"]
        for d in store.documents(sorted({h.doc_id for h in hits}), ["doc_id", "path"])
    }
    for rank, hit in enumerate(hits, 1):
        if as_json:
            print(
                json.dumps(
                    {
                        "doc_id": hit.doc_id,
                        "path": paths.get(hit.doc_id, ""),
                        "chunk": hit.row_id,
                        "score": round(hit.score, 6),
                        "text": hit.text,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            snippet = " ".join(hit.text.split())[:160]
            print(
                f"{rank:>2}. {hit.score:.4f} {paths.get(hit.doc_id, hit.doc_id)} [{hit.row_id}]\n"
                f"    {snippet}"
            )


def cmd_ask(settings: Settings, question: str) -> None:
    from lab_pipelines.stages.generate import generate_output
    from lab_pipelines.store import LabStore
    from lab_pipelines.text.fingerprints import fingerprint

    resources = _resources(settings)
    output = generate_output(
        LabStore(settings.lancedb_dir),
        resources["local_models"].embedder(),
        resources["text_writer"].writer(),
        "ad-hoc/" + fingerprint(question.strip())[:12],
        question,
        settings.prompt_token_budget,
    )
    print(output.markdown)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="lab-pipelines", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="register the inbox and materialise the whole graph once")
    run.add_argument("--batch", type=int, default=RUN_BATCH, help="documents per ranged run")
    search = sub.add_parser("search", help="hybrid retrieval over the LanceDB store")
    search.add_argument("query")
    search.add_argument("--k", type=int, default=10)
    search.add_argument("--json", action="store_true", help="one JSON object per hit")
    search.add_argument("--mode", choices=["hybrid", "fts", "vector"], default="hybrid")
    ask = sub.add_parser("ask", help="retrieve and write an answer with the configured backend")
    ask.add_argument("question")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        if args.command == "run":
            cmd_run(settings, max(1, args.batch))
        elif args.command == "search":
            cmd_search(settings, args.query, args.k, args.json, args.mode)
        else:
            cmd_ask(settings, args.question)
    except SettingsError as err:
        sys.exit(f"configuration error: {err}")


if __name__ == "__main__":
    main()
