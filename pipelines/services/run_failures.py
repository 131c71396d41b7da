"""A run that fails (in its merge or its Level 1) holds up the downlinks that wait for it: they
show Error with the run's reason until the run is retried and gets its Level 1."""

from __future__ import annotations

from l2portal.ledger import services as ledger
from l2portal.ledger.services import Actor

from ..models import DataRun, Downlink, MergeVersion


def run_failed(run: DataRun, actor: Actor) -> None:
    reason = run.transitions.filter(to_state="error").order_by("-at", "-id").values_list("reason", flat=True)
    waiting = Downlink.objects.filter(
        state="merging",
        merge_versions__data_run=run,
        merge_versions__status__in=(MergeVersion.Status.PLANNED, MergeVersion.Status.MERGED),
    ).distinct()
    for downlink in waiting:
        ledger.fail(downlink, actor, f"run {run} failed: {reason.first()}; retry the run", run_id=run.run_id)
