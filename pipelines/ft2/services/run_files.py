"""A campaign run's pair of files (1-s and 30-s) made by one computation and registered as two
products, with the run's instrument and data id; a redelivered task finds them registered."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from l2portal.registry import services as registry
from l2portal.registry.models import Product

from ..models import CampaignRun
from ..selectors.ft2_inputs import INSTRUMENT, data_id

LABELS = ("1s", "30s")
BIN_SECONDS = {"1s": 1.0, "30s": 30.0}
# What to do when a file the run made no longer verifies (verify_inputs' remedy).
OUR_FILE_CHANGED = (
    "nothing of this run is offered while its files differ; find out what changed it, then make the run's "
    "files again in a new campaign pass"
)


@dataclass(frozen=True)
class PlannedFile:
    relative: str
    product_type: str
    metadata: dict


def write_pair(
    run: CampaignRun,
    planned: dict[str, PlannedFile],
    make: Callable[[dict[str, Path]], None],
    inputs: list[Product],
) -> dict[str, Product]:
    """``make({"1s": path, "30s": path})`` writes both files; each is then registered through
    write_product. Skipped when both are registered already (a redelivered task)."""
    collection = run.campaign.collection
    known = dict(
        Product.objects.filter(path__in=[p.relative for p in planned.values()]).values_list("path", "status")
    )
    registered = {path for path, status in known.items() if status == Product.Status.PRESENT}
    with tempfile.TemporaryDirectory(prefix="ft2-pair-") as folder:
        made = {label: Path(folder) / Path(planned[label].relative).name for label in LABELS}
        if len(registered) < len(planned):
            make(made)
        return {
            label: registry.write_product(
                collection,
                file.relative,
                file.product_type,
                lambda tmp, source=made[label]: shutil.move(source, tmp),
                metadata=file.metadata,
                inputs=inputs,
                instrument=INSTRUMENT,
                data_id=data_id(run.data_run.run_id),
                # A new name (a new BTI set's version) replaces the run's current file; a path
                # known already is verified (or written again where its file went missing).
                force=file.relative not in known,
            )
            for label, file in planned.items()
        }
