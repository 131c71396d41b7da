"""The campaign's run grid, in the style of Airflow's grid view: for each run of a page, one cell
per step (make the FT2 files, apply the BTIs, validate, ingest at the FSSC) with the step's state,
how long it took (from the run's history) and a link to the run's latest Execution (its log).
A fixed number of queries for a page, whatever its runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from ...halfpipe.selectors import executions_of
from ..models import CampaignRun

# (state the step's work happens in, label); the FSSC step waits in "ready" until ingested.
STEPS = (
    ("generating", "FT2 files"),
    ("flagging", "BTIs"),
    ("validating", "checks"),
    ("ready", "FSSC ingest"),
)
STEP_OF_STATE = {"pending": 0, "generating": 0, "flagging": 1, "validating": 2, "ready": 3, "delivered": 4}
# What each cell state looks like besides its colour (a shape and a word), for every reader.
CELL_STATES = {
    "done": ("✓", "done"),
    "running": ("▶", "running"),
    "queued": ("○", "waiting"),
    "error": ("✗", "failed"),
    "none": ("·", "not reached"),
}


@dataclass(frozen=True)
class StepCell:
    step: str
    label: str
    state: str  # done, running, queued, error or none
    duration: timedelta | None
    url: str
    run_name: str

    @property
    def glyph(self) -> str:
        return CELL_STATES[self.state][0]

    @property
    def state_label(self) -> str:
        return CELL_STATES[self.state][1]

    @property
    def title(self) -> str:
        took = f", {_seconds(self.duration)}" if self.duration is not None else ""
        return f"{self.run_name} {self.label}: {self.state_label}{took}"


def _seconds(duration: timedelta) -> str:
    seconds = duration.total_seconds()
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.1f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


def _step_states(run: CampaignRun, failed_in: str | None) -> list[str]:
    if run.state == "error":
        failed = STEP_OF_STATE.get(failed_in or "pending", 0)
        return ["done" if i < failed else "error" if i == failed else "none" for i in range(len(STEPS))]
    current = STEP_OF_STATE[run.state]
    if run.state == "pending":
        return ["queued" if run.queued_pass else "none"] + ["none"] * (len(STEPS) - 1)
    waiting = "queued" if run.state == "ready" else "running"
    return ["done" if i < current else waiting if i == current else "none" for i in range(len(STEPS))]


def _durations(moves: list[tuple[str, str, datetime]], now: datetime) -> dict[str, timedelta]:
    """The time each state last lasted (until now if the run is still in it), from its history."""
    durations, entered = {}, {}
    for from_state, to_state, at in moves:
        if from_state in entered:
            durations[from_state] = at - entered.pop(from_state)
        entered[to_state] = at
    for state, at in entered.items():
        durations[state] = now - at
    return durations


def run_grid(runs: list[CampaignRun]) -> None:
    """Give each run of ``runs`` its ``steps`` (StepCell per step)."""
    pks = [run.pk for run in runs]
    moves: dict[int, list] = {pk: [] for pk in pks}
    failed_in: dict[int, str] = {}
    history = (
        CampaignRun.transition_model()
        .objects.filter(subject_id__in=pks)
        .order_by("at", "id")
        .values_list("subject_id", "from_state", "to_state", "at")
    )
    for subject_id, from_state, to_state, at in history:
        moves[subject_id].append((from_state, to_state, at))
        if to_state == "error":
            failed_in[subject_id] = from_state  # the latest failure wins
    executions = executions_of(CampaignRun, pks)
    now = timezone.now()
    for run in runs:
        found = executions.get(str(run.pk))
        log_url = reverse("registry:execution", args=[found["execution"].pk]) if found else None
        run_url = reverse("pipelines:run", args=[run.pk])
        files_url = f"{run_url}#files"
        durations = _durations(moves[run.pk], now)
        run.steps = [
            StepCell(
                step=step,
                label=label,
                state=state,
                duration=durations.get(step) if state != "none" else None,
                url=files_url if step == "ready" else (log_url or run_url),
                run_name=str(run.data_run),
            )
            for (step, label), state in zip(STEPS, _step_states(run, failed_in.get(run.pk)), strict=True)
        ]
