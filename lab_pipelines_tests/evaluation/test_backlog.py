"""Night-window arithmetic against measured speeds."""

from lab_pipelines.evaluation.backlog import (
    Backlog,
    embedding_hours,
    fits_memory,
    night_window_hours,
    summary_hours,
)


def test_the_shipped_window_runs_from_the_backfill_to_the_digest():
    assert night_window_hours("0 1 * * *", 5) == 4.0
    assert night_window_hours("30 23 * * *", 5) == 5.5


def test_a_backlog_at_node_b_speeds():
    backlog = Backlog(documents=100, tokens=120_000)
    # 120k prompt tokens at 60 tok/s + 100 x 180 output tokens at 9 tok/s = 2000 s + 2000 s
    assert summary_hours(backlog, 60.0, 9.0, 180.0) == round(4000 / 3600, 3)
    assert embedding_hours(backlog, 900.0) == round(144_000 / 900 / 3600, 3)
    assert summary_hours(backlog, 0.0, 9.0, 180.0) is None  # no server timings: unknown


def test_models_must_fit_beside_each_other_in_64_gb():
    assert fits_memory(4.8, 1.2)
    assert not fits_memory(48.0, 9.0)  # 8 GB stay with the system
