"""A campaign run's coverage bar: the run's span as one bar, in seconds from its start (MET on the
axis label), green where its 1-s rows cover it, grey for telemetry gaps declared known, red for the
stretches no row covers; hover values and one sentence say what it shows."""

from __future__ import annotations

from .velocity_chart import nice_step

WIDTH, HEIGHT = 1000, 62
LEFT, RIGHT, TOP, BAR_HEIGHT = 40, 40, 6, 22
PLOT_WIDTH = WIDTH - LEFT - RIGHT
MIN_MARK = 1.0  # px: a stretch narrower than this is drawn this wide so it stays visible


def coverage_bar(coverage: dict, known_gaps: list[tuple[float, float]]) -> dict | None:
    """Geometry of the bar from a run's recorded coverage (pipelines.science.ft2coverage.as_dict);
    None before its files are made."""
    if not coverage:
        return None
    start, stop = coverage["span"]
    length = stop - start

    def x(met: float) -> float:
        return round(LEFT + PLOT_WIDTH * (min(max(met, start), stop) - start) / length, 2)

    def marks(stretches, what: str) -> list[dict]:
        return [
            {
                "x": x(a),
                "width": max(x(b) - x(a), MIN_MARK),
                "title": f"{what}: MET {a:.1f} to {b:.1f} ({b - a:,.1f} s)",
            }
            for a, b in stretches
            if b > start and a < stop
        ]

    step = nice_step(length, 8)
    ticks = [
        {"x": x(start + step * i), "label": f"{step * i:g}"} for i in range(int(length / step + 1e-9) + 1)
    ]
    minimum = coverage.get("minimum_share")
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bar_height": BAR_HEIGHT,
        "axis_y": TOP + BAR_HEIGHT,
        "tick_y": TOP + BAR_HEIGHT + 14,
        "label_y": HEIGHT - 4,
        "middle_x": LEFT + PLOT_WIDTH / 2,
        "plot_width": PLOT_WIDTH,
        "excused": marks(known_gaps, "declared telemetry gap"),
        "gaps": marks(coverage["gaps"], "no rows"),
        "ticks": ticks,
        "start": start,
        "seconds": length,
        "share": f"{coverage['share']:.2%}",
        "minimum": None if minimum is None else f"{minimum:.1%}",
        "passed": None if minimum is None else coverage["share"] >= minimum,
        "summary": coverage["summary"],
        "gap_count": coverage["gap_count"],
        "gaps_shown": len(coverage["gaps"]),
    }
