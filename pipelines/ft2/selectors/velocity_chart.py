"""The campaign's velocity-check chart: one bar per checked run (its worst deviation between
SC_VELOCITY and the velocity the consecutive SC_POSITION rows imply), against the tolerance, with
labelled axes in m/s and run ids, hover values and one sentence saying what it shows."""

from __future__ import annotations

import math

WIDTH, HEIGHT = 1000, 170
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 44
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


def nice_step(top: float, count: int = 4) -> float:
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def _label(value: float) -> str:
    return f"{value:g}"


def velocity_chart(runs: list[dict], tolerance: float) -> dict | None:
    """Geometry of the chart; ``runs`` are dicts with ``data_run__run_id`` and ``velocity_worst``
    (None while not checked), in run order. None when no run was checked yet."""
    checked = [r for r in runs if r["velocity_worst"] is not None]
    if not checked:
        return None
    worst = max(checked, key=lambda r: r["velocity_worst"])
    step = nice_step(max(worst["velocity_worst"], tolerance) * 1.1)
    top = step * math.ceil(max(worst["velocity_worst"], tolerance) * 1.1 / step)

    def y(value: float) -> float:
        return round(TOP + PLOT_HEIGHT * (1 - value / top), 2)

    slot = PLOT_WIDTH / len(runs)
    bars = []
    for index, run in enumerate(runs):
        deviation = run["velocity_worst"]
        if deviation is None:
            continue
        bars.append(
            {
                "x": round(LEFT + index * slot + slot * 0.1, 2),
                "width": round(max(slot * 0.8, 0.6), 2),
                "y": y(deviation),
                "height": round(max(PLOT_HEIGHT * deviation / top, 0.8), 2),
                "over": deviation > tolerance,
                "title": f"r{run['data_run__run_id']:010d}: worst deviation {deviation:.4g} m/s "
                f"({'over' if deviation > tolerance else 'within'} the {tolerance:g} m/s tolerance)",
            }
        )
    ticks = [{"y": y(step * i), "label": _label(step * i)} for i in range(round(top / step) + 1)]
    over = sum(bar["over"] for bar in bars)
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": TOP + PLOT_HEIGHT,
        "middle_y": TOP + PLOT_HEIGHT / 2,
        "middle_x": LEFT + PLOT_WIDTH / 2,
        "bars": bars,
        "ticks": ticks,
        "tolerance": tolerance,
        "tolerance_y": y(tolerance),
        "first_run": f"r{runs[0]['data_run__run_id']:010d}",
        "last_run": f"r{runs[-1]['data_run__run_id']:010d}",
        "runs": len(runs),
        "checked": len(bars),
        "over": over,
        "worst": worst["velocity_worst"],
        "worst_run": f"r{worst['data_run__run_id']:010d}",
    }
