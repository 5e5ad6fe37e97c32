"""The evaluation over the doubles, through `lab-pipelines eval` (model_evaluation_job): a
faster but lazy model and a slower, better one are ranked apart, on figures the doubles
reported, not ones the test wrote."""

from lab_pipelines.evaluation.backlog import Backlog
from lab_pipelines.evaluation.command import main
from lab_pipelines.evaluation.leaderboard import BOARDS, build_leaderboard, rank


def leaderboard_of(lab) -> str:  # noqa: ANN001
    return (lab.settings.outputs_dir / "model_leaderboard.md").read_text(encoding="utf-8")


def rows_of(markdown: str, title: str) -> list[list[str]]:
    """The table under ``### title``, as lists of cells (header and rule left out)."""
    section = markdown.split(f"### {title}", 1)[1].split("###", 1)[0]
    lines = [x for x in section.strip().splitlines() if x.startswith("|")][2:]
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines]


def test_the_slower_better_summariser_ranks_first_on_quality_the_lazy_one_on_speed(
    live_lab, candidate_ollama, capsys
):
    main(["eval"])

    chats = candidate_ollama.calls_to("/api/chat")
    assert {c.body["model"] for c in chats} == {"exaone3.5:7.8b", "exaone3.5:2.4b"}
    board = leaderboard_of(live_lab)
    assert board in capsys.readouterr().out
    # candidate | quality # | speed # | bar | quality | ...
    summary = {row[0]: row for row in rows_of(board, "Summary models (summary_eval)")}
    better, faster = summary["`exaone3.5:7.8b`"], summary["`exaone3.5:2.4b`"]
    assert (better[1], better[2]) == ("1", "2")
    assert (faster[1], faster[2]) == ("2", "1")
    assert float(better[4]) > float(faster[4])  # quality: the lazy one dropped half of each
    assert float(faster[8]) < float(better[8])  # seconds per document, from Ollama's timings
    assert float(better[11]) > float(faster[11]) > 0  # resident memory from /api/ps

    embedding = {row[0]: row for row in rows_of(board, "Embedding models (retrieval_eval)")}
    assert embedding["`bge-m3`"][1:3] == ["1", "2"]  # reads whole chunks: better, slower
    assert embedding["`nomic-embed-text`"][1:3] == ["2", "1"]

    writers = rows_of(board, "Gemini settings (writer_eval)")
    assert {row[0] for row in writers} == {
        "`gemini-2.5-flash`",
        "`gemini-2.5-flash-lite`",
        "`gemini-2.5-flash@0`",
    }
    cost = {row[0]: float(row[-1]) for row in writers}
    # Thinking is billed as output: the same model without it costs less per answer.
    assert cost["`gemini-2.5-flash@0`"] < cost["`gemini-2.5-flash`"]
    assert "**Summaries: `exaone3.5:7.8b`**" in board  # fits 64 GB and tonight's window

    # What the evaluation spent is in the cost ledger, like any step's model calls.
    ledger = {row["asset"]: row for row in live_lab.store().usage()}
    assert ledger["writer_eval[gemini-2.5-flash]"]["cost_usd"] > 0
    assert ledger["summary_eval[exaone3.5:2.4b]"]["backend"] == "ollama"
    assert ledger["summary_eval[exaone3.5:2.4b]"]["cost_usd"] == 0


def test_a_recommendation_names_the_cheapest_setting_that_keeps_the_quality() -> None:
    figures = {
        "writer": {
            "gemini-2.5-flash": {"quality_score": 0.8, "usd_per_1000_answers": 3.1},
            "gemini-2.5-flash@0": {"quality_score": 0.8, "usd_per_1000_answers": 1.2},
            "gemini-2.5-flash-lite": {"quality_score": 0.6, "usd_per_1000_answers": 0.3},
        }
    }
    board = build_leaderboard(figures, {"writer": "gemini-2.5-flash"}, Backlog(0, 0), 4.0)
    assert board.recommendation["writer"] == "gemini-2.5-flash@0"
    ranked = rank(BOARDS["writer"], figures["writer"])
    assert [r.candidate for r in ranked][-1] == "gemini-2.5-flash-lite"
