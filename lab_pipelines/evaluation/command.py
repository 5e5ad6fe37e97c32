"""``lab-pipelines eval`` and ``lab-pipelines draft-evals``.

``eval`` runs ``model_evaluation_job`` on the instance of DAGSTER_HOME (as ``run`` runs the
pipeline's jobs), so its results are the same materialisations the UI shows and plots; it then
prints the leaderboard. ``draft-evals`` writes a draft evaluation set for the owner to review.

    python -m lab_pipelines.evaluation.command eval [--kind summary] [--candidate NAME]
    python -m lab_pipelines.evaluation.command draft-evals [--sample 12] [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from lab_pipelines.evaluation.candidates import KINDS
from lab_pipelines.settings import Settings, SettingsError, load_settings, project_root

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _instance(settings: Settings):  # noqa: ANN202 - dagster is imported lazily: slow to import
    from dagster import DagsterInstance

    from lab_pipelines.cli import ensure_instance_config

    if not os.environ.get("DAGSTER_HOME"):
        os.environ["DAGSTER_HOME"] = str(settings.data / "dagster_home")
    ensure_instance_config(Path(os.environ["DAGSTER_HOME"]))
    return DagsterInstance.get()


def cmd_eval(settings: Settings, kinds: list[str], candidates: list[str]) -> str:
    """Run model_evaluation_job; return the leaderboard's markdown (also written to a file)."""
    from lab_pipelines.definitions import defs
    from lab_pipelines.defs.dagster_private import set_defs_state_storage
    from lab_pipelines.store import Store

    started = time.perf_counter()
    if not Store(settings.lancedb_dir).count_documents("ok"):
        raise SystemExit(f"no document in {settings.lancedb_dir}: run `lab-pipelines run` first")
    instance = _instance(settings)
    print(f"backend      {settings.backend}\nquestions    {settings.eval_questions}")
    print(f"DAGSTER_HOME {os.environ['DAGSTER_HOME']}")
    with set_defs_state_storage(instance.defs_state_storage):
        job = defs().resolve_job_def("model_evaluation_job")
    config = {"kinds": kinds, "candidates": candidates}
    result = job.execute_in_process(
        instance=instance,
        run_config={**QUIET, "ops": {"evaluate_candidates": {"config": config}}},
        tags={"lab/trigger": "cli"},
        raise_on_error=False,
    )
    for event in result.all_events:
        if event.is_step_failure:
            error = event.event_specific_data.error
            while error.cause is not None and error.cls_name.startswith("Dagster"):
                error = error.cause  # ours, below Dagster's wrappers: it names the fix
            print(f"  {event.step_key}: {error.cls_name}: {error.message.strip()}")
        elif event.event_type_value == "ASSET_MATERIALIZATION":
            materialization = event.event_specific_data.materialization
            if materialization.partition:
                print(f"  evaluated {materialization.asset_key.to_user_string()}"
                      f"[{materialization.partition}]")  # fmt: skip
    if not result.success:
        raise SystemExit(f"run {result.run_id} failed; see the Dagster UI for its logs")
    board = next(
        m
        for m in result.asset_materializations_for_node("publish_leaderboard")
        if m.asset_key.to_user_string() == "model_leaderboard"
    )
    markdown = board.metadata["leaderboard"].value
    path = settings.outputs_dir / "model_leaderboard.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown + "\n", encoding="utf-8")
    print(f"\n{markdown}\n\nleaderboard: {path}\ndone in {time.perf_counter() - started:.1f} s")
    return markdown


def cmd_draft(settings: Settings, sample: int, out: Path, seed: int, force: bool) -> Path:
    from lab_pipelines.evaluation.drafting import DRAFT_NOTE, draft_questions, pick
    from lab_pipelines.evaluation.evalset import format_questions
    from lab_pipelines.store import Store

    if out.exists() and not force:
        raise SystemExit(f"{out} exists: review it, or pass --force to overwrite it")
    store = Store(settings.lancedb_dir)
    ids = store.ok_document_ids()
    if not ids:
        raise SystemExit(f"no document in {settings.lancedb_dir}: run `lab-pipelines run` first")
    docs = store.documents(pick(ids, sample, seed), ["doc_id", "title", "lang", "text"])
    docs.sort(key=lambda d: d["doc_id"])
    ask = None
    if not settings.is_offline:
        from lab_pipelines.models.ollama_models import OllamaConnection, chat_once

        connection = OllamaConnection(settings.ollama_host, float(settings.ollama_timeout_s))
        model = settings.summary_model

        def ask(system: str, user: str) -> str:
            return chat_once(connection, model, system, user, settings.num_ctx)

    drafts = draft_questions(docs, ask)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(format_questions(drafts, DRAFT_NOTE), encoding="utf-8")
    drafter = settings.summary_model if ask else "the extractive drafter (offline)"
    print(f"{len(drafts)} draft questions by {drafter} in {out}: review them before use")
    return out


def _run(args: argparse.Namespace) -> None:
    try:
        settings = load_settings()
        if args.command == "eval":
            cmd_eval(settings, args.kind or [], args.candidate or [])
        else:
            cmd_draft(settings, max(1, args.sample), args.out, args.seed, args.force)
    except SettingsError as err:
        sys.exit(f"configuration error: {err}")


def add_subcommands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``eval`` and ``draft-evals`` to a ``lab-pipelines`` parser; each sets
    ``run_evaluation`` to the function that runs it."""
    run = subparsers.add_parser(
        "eval", help="evaluate the model candidates (model_evaluation_job) and print the board"
    )
    run.add_argument("--kind", action="append", choices=KINDS, help="only this kind (repeatable)")
    run.add_argument("--candidate", action="append", help="only this candidate (repeatable)")
    run.set_defaults(run_evaluation=_run)
    draft = subparsers.add_parser(
        "draft-evals", help="draft an evaluation set from a random sample of documents"
    )
    draft.add_argument("--sample", type=int, default=12, help="documents to draw")
    draft.add_argument("--seed", type=int, default=14)
    draft.add_argument("--out", type=Path, default=project_root() / "evals" / "questions.draft.tsv")
    draft.add_argument("--force", action="store_true", help="overwrite an existing draft")
    draft.set_defaults(run_evaluation=_run)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="lab-pipelines", description=__doc__.splitlines()[0])
    add_subcommands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    args.run_evaluation(args)


if __name__ == "__main__":
    main()
