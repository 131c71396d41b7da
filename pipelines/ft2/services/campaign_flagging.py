"""Step "flagging" of a campaign run: the run's active BTI set applied to its unflagged 1-s and 30-s
files together, exactly as the L1 processing's flagFT2 does (``bti.flag_run``): intervals in their
submitted order, each over the 30-s bins it touches and the 1-s bins of their span; a 1-s span that
does not aggregate to its 30-s span fails the run with both. A new BTI set makes a new file version."""

from __future__ import annotations

from l2portal.ledger.services import Actor, StepFailed
from l2portal.registry import services as registry

from ...science import bti
from ...science.ft2 import product_filename
from ..models import CampaignRun
from ..selectors import active_bti_set
from .run_files import BIN_SECONDS, LABELS, OUR_FILE_CHANGED, PlannedFile, write_pair


def flag_run_files(run: CampaignRun, actor: Actor) -> tuple[str, dict[str, int]]:
    """Returns the reason of the move on and the bins changed per file; the unflagged files are
    verified against their registration before they are read."""
    campaign, run_id = run.campaign, run.data_run.run_id
    bti_set = active_bti_set(run.data_run_id)
    # flagFT2 applies the intervals in the order they were listed: the order they were stored in.
    rows = bti_set.intervals.order_by("id") if bti_set else []
    intervals = [bti.BadTimeInterval(i.start, i.stop, i.value) for i in rows]
    version = campaign.file_version
    if run.ft2_1s is not None and run.bti_set_id != (bti_set.pk if bti_set else None):
        version = run.ft2_1s.metadata["version"] + 1  # a new BTI set makes a new file version
    unflagged = {"1s": run.ft2_1s_unflagged, "30s": run.ft2_30s_unflagged}
    registry.verify_inputs(unflagged.values(), actor, subject=run, remedy=OUR_FILE_CHANGED)
    planned = {
        label: PlannedFile(
            registry.product_path(
                campaign.collection, product_filename(BIN_SECONDS[label], campaign.name, run_id, version)
            ),
            f"ft2_{label}",
            {
                "run_id": run_id,
                "bin_seconds": BIN_SECONDS[label],
                "version": version,
                "unflagged": unflagged[label].pk,
                "bti_set": bti_set.pk if bti_set else None,
                "bti_version": bti_set.version if bti_set else None,
            },
        )
        for label in LABELS
    }
    outcome = {}

    def make(paths):
        jobs = [
            bti.FlagJob(registry.absolute_path(unflagged[label]), paths[label], paths[label].name)
            for label in LABELS
        ]
        try:
            outcome["flagged"] = bti.flag_run(intervals, *jobs)
        except bti.BtiError as error:
            version_text = f"BTI set v{bti_set.version} of {run.data_run}" if bti_set else "no BTI set"
            raise StepFailed(f"{version_text}: {error}", bti_set=bti_set.pk if bti_set else None) from error

    written = write_pair(run, planned, make, list(unflagged.values()))
    run.ft2_1s, run.ft2_30s, run.bti_set = written["1s"], written["30s"], bti_set
    run.save(update_fields=["ft2_1s", "ft2_30s", "bti_set"])
    flagged = outcome.get("flagged")
    changed = flagged.changed if flagged else {}
    if bti_set is None:
        return "no BTI set yet: DATA_QUAL left as it was", changed
    spans = ", ".join(f"{r.start:.6f}..{r.stop:.6f} -> {r.value}" for r in flagged.ranges) if flagged else ""
    return f"BTI set v{bti_set.version} applied as flagFT2 does" + (f": {spans}" if spans else ""), changed
