"""``lab-pipelines``: run the whole graph, search the index, ask a question.

Every command reads the same settings as the Dagster resources (lab_pipelines.settings).
``run`` is the daemon's own work on the instance of DAGSTER_HOME (lab_pipelines.daemon): the
sensors register and process what changed, through the run queue and its pools.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from lab_pipelines.evaluation.command import add_subcommands
from lab_pipelines.settings import Settings, SettingsError, load_settings, project_root

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


def cmd_run(settings: Settings, timeout_s: float) -> None:
    from lab_pipelines.daemon import CatchUpError, Folders, catch_up, final_failures
    from lab_pipelines.definitions import defs
    from lab_pipelines.store import Store
    from lab_pipelines.store.rows import OUTPUTS, SUMMARIES
    from lab_pipelines.store.vectors import embeddings_table_name

    started = time.perf_counter()
    instance = _instance(settings)
    print(f"inbox        {settings.inbox}\nbackend      {settings.backend}")
    print(f"DAGSTER_HOME {os.environ['DAGSTER_HOME']}")
    try:
        progress = catch_up(instance, Folders(settings.inbox, settings.requests), timeout_s)
    except CatchUpError as err:
        raise SystemExit(str(err)) from None
    failures = final_failures(instance, progress)
    if failures:
        print("\n".join(failures))
        raise SystemExit(f"{len(failures)} runs failed; see the Dagster UI for their logs")
    # The ledger reads the usage rows every run wrote; it calls no model and takes no pool.
    from lab_pipelines.defs.dagster_private import set_defs_state_storage

    with set_defs_state_storage(instance.defs_state_storage):
        definitions = defs()
    ledger = definitions.resolve_job_def("cost_report").execute_in_process(
        instance=instance,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        tags={"lab/trigger": "cli"},
    )
    savings = ledger.asset_materializations_for_node("cost_ledger")[0].metadata["savings_ratio"]
    store = Store(settings.lancedb_dir)
    embed_model = _resources(settings)["local_models"].embedder().model
    print(
        f"\nLanceDB {settings.lancedb_dir}: "
        f"{store.count_documents('ok')} documents "
        f"({store.count_documents('skipped')} skipped), "
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
    from lab_pipelines.models.candidates import CandidateFactory
    from lab_pipelines.stages.generate import retrieve
    from lab_pipelines.store import Store

    store = Store(settings.lancedb_dir)
    embedder = CandidateFactory(settings).configured_embedder()
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
    from lab_pipelines.models.candidates import CandidateFactory
    from lab_pipelines.stages.generate import generate_output
    from lab_pipelines.store import Store
    from lab_pipelines.text.fingerprints import fingerprint

    factory = CandidateFactory(settings)
    writer = factory.writer(factory.writer_model())
    output = generate_output(
        Store(settings.lancedb_dir),
        factory.configured_embedder(),
        writer,
        "ad-hoc/" + fingerprint(question.strip())[:12],
        question,
        settings.prompt_token_budget,
    )
    print(output.markdown)


def cmd_reset_embeddings(settings: Settings, model: str) -> None:
    from lab_pipelines.store import Store

    dropped = Store(settings.lancedb_dir).drop_embeddings(model)
    if not dropped:
        print(f"no vector table for {model} in {settings.lancedb_dir}: nothing to reset")
        return
    print(f"dropped {', '.join(dropped)}; materialise `embeddings` to embed again with {model}")


# Commands that are one short process, most of it imports.
SHORT_COMMANDS = frozenset({"search", "ask"})


@contextmanager
def _no_cycle_collection(command: str) -> Iterator[None]:
    """Without the cyclic garbage collector during a short command: importing LanceDB builds
    ~370 pydantic validators (its namespace client), and the collector walking the objects
    already alive costs 0.1-0.2 s of a 1.6 s cold search (bench/RESULTS.md). The process ends
    right after; reference counting still frees everything else."""
    was_enabled = gc.isenabled()
    if command in SHORT_COMMANDS:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="lab-pipelines", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run", help="let the daemon's sensors catch up with the inbox and requests, then stop"
    )
    run.add_argument(
        "--timeout", type=float, default=24 * 3600, help="seconds to wait at most (default a day)"
    )
    search = sub.add_parser("search", help="hybrid retrieval over the LanceDB store")
    search.add_argument("query")
    search.add_argument("--k", type=int, default=10)
    search.add_argument("--json", action="store_true", help="one JSON object per hit")
    search.add_argument("--mode", choices=["hybrid", "fts", "vector"], default="hybrid")
    ask = sub.add_parser("ask", help="retrieve and write an answer with the configured backend")
    ask.add_argument("question")
    reset = sub.add_parser(
        "reset-embeddings",
        help="drop a model's vector table (after its dimension changed); embeddings re-embeds",
    )
    reset.add_argument("model")
    add_subcommands(sub)  # eval, draft-evals (lab_pipelines.evaluation.command)
    args = parser.parse_args(argv)
    with _no_cycle_collection(args.command):
        _dispatch(args)


def _dispatch(args: argparse.Namespace) -> None:
    try:
        if hasattr(args, "run_evaluation"):
            args.run_evaluation(args)
            return
        settings = load_settings()
        if args.command == "run":
            cmd_run(settings, args.timeout)
        elif args.command == "search":
            cmd_search(settings, args.query, args.k, args.json, args.mode)
        elif args.command == "reset-embeddings":
            cmd_reset_embeddings(settings, args.model)
        else:
            cmd_ask(settings, args.question)
    except SettingsError as err:
        sys.exit(f"configuration error: {err}")


if __name__ == "__main__":
    main()
