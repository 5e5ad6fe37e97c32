"""Slot utilisation of one command, from the sim's request timeline (figures 1 and 7)."""

from __future__ import annotations


def utilisation(stats: dict, start: float, end: float, scale: float) -> dict:
    """Slot utilisation of one command, measured and extrapolated to full model speed.

    measured = slot-seconds the sim spent in requests / (slots x wall). At a uniform time
    scale s the model's part of the wall shrinks by s and the pipeline's own part does not, so
    the measured figure is a lower bound of the full-speed one. Extrapolation: the time with no
    request in flight (G0: parsing, Dagster, LanceDB writes, waiting for nothing) is the
    pipeline's and stays; the rest (>=1 request in flight) is the model's and scales by 1/s:
    wall_full = G0 + (wall - G0) / s; full-speed utilisation = model time at full speed /
    (slots x wall_full). Small client-side gaps between requests are scaled up with the rest,
    which errs towards a lower figure.
    """
    slots = stats["settings"]["slots"]
    events = []
    busy = 0.0
    full = 0.0
    for t0, t1, _kind, full_s in stats["timeline"]:
        a, b = max(t0, start), min(t1, end)
        if b > a:
            busy += b - a
            events += [(a, 1), (b, -1)]
        full += full_s
    events.sort()
    wall = end - start
    # Requests that cost no model time (chat with chat_free) say nothing of request lengths.
    durations = sorted(
        min(t1, end) - max(t0, start)
        for t0, t1, _k, full_s in stats["timeline"]
        if t1 > start and t0 < end and full_s > 0
    )
    # A slot freed and taken again within tau is the client's hand-off (parsing the answer,
    # building the next request): pipeline time that does not shrink with the model either.
    tau = min(0.05, 0.25 * durations[len(durations) // 2]) if durations else 0.0
    idle0 = 0.0
    handoff = 0.0
    level = 0
    last = start
    partial_since = None
    partial = 0.0
    for t, delta in events:
        if level == 0:
            idle0 += t - last
        elif level < slots:
            partial += t - last
        if delta > 0 and partial_since is not None:
            if t - partial_since < tau:
                handoff += t - partial_since
            partial_since = None
        level += delta
        if delta < 0 and 0 < level < slots:
            partial_since = t
        elif level == 0:
            partial_since = None
        last = t
    idle0 += end - last if level == 0 else 0.0
    out = {
        "wall_s": round(wall, 2),
        "busy_slot_s": round(busy, 2),
        "measured": round(busy / (slots * wall), 4) if wall else None,
        "no_request_in_flight_s": round(idle0, 2),
        "model_seconds_full_speed": round(full, 1),
        "max_in_flight": stats["max_in_flight"],
        "max_queued": stats["max_queued"],
        "slots": slots,
        "scale": scale,
    }
    out["requests"] = sum(1 for t0, t1, _k, _f in stats["timeline"] if t1 > start and t0 < end)
    out["handoff_s"] = round(handoff, 2)
    out["handoff_tau_s"] = round(tau, 4)
    if scale > 0:
        wall_full = idle0 + (wall - idle0) / scale
        out["wall_full_speed_s"] = round(wall_full, 1)
        out["full_speed"] = round(full / (slots * wall_full), 4)
        out["method"] = "G0 (lower bound)"
        # Idle slot-seconds at full speed: both slots while nothing is in flight (G0, kept),
        # one slot per hand-off gap (kept), one slot per other partial moment (a tail: scaled).
        idle_full = slots * idle0 + handoff + (partial - handoff) / scale
        out["partial_s"] = round(partial, 2)
        out["estimate"] = {
            "wall_full_speed_s": round((full + idle_full) / slots, 1),
            "full_speed": round(full / (full + idle_full), 4),
        }
    return out
