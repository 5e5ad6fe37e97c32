"""Which documents go into which run: contiguous ranges of partitions, free of Dagster.

A ranged run covers a span of the dynamic partition order (the order documents were first
seen), so a drop of 500 new files, appended in order, is 5 spans of 100 = 5 runs. A range holds
only documents that asked for work: a document between two changed ones is not pulled in,
because it may be half-written, about to be deleted, or simply current, and re-materialising it
would show a new materialisation in the UI for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# The same span as the assets' BackfillPolicy.multi_run(100): one step per asset over <= 100
# documents, which keeps a step's model work to ~10 minutes at EXAONE speed on node B.
MAX_PARTITIONS_PER_RUN = 100


def ranges(
    keys: Sequence[str], wanted: Iterable[str], max_span: int = MAX_PARTITIONS_PER_RUN
) -> list[list[str]]:
    """The keys of ``wanted``, in partition order, cut into runs of consecutive partitions of at
    most ``max_span``; a key that is not wanted ends the run it would sit in. O(len(keys))."""
    wanted = set(wanted)
    found: list[list[str]] = []
    current: list[str] = []
    for key in keys:
        if key in wanted and len(current) < max_span:
            current.append(key)
            continue
        if current:
            found.append(current)
        current = [key] if key in wanted else []
    if current:
        found.append(current)
    return found


def covered(keys: Sequence[str], spans: Iterable[tuple[str, str]]) -> set[str]:
    """Every key inside the given (first, last) spans of the partition order; a span whose ends
    are no longer partitions covers nothing it can name."""
    index = {key: i for i, key in enumerate(keys)}
    inside: set[str] = set()
    for first, last in spans:
        if first in index and last in index:
            inside.update(keys[index[first] : index[last] + 1])
    return inside
