"""Group metadata-store datasets into Observing Programs and decide when an OP has settled.

The metadata store has no Observing Program records: an OP is the set of datasets sharing an
observingProgramExecutionId. A reprocessing publishes a new dataset with the same productId; the
newest one (latest updateDate, else createDate) counts and the older ones are superseded.
Datasets keep arriving for a while after an observation, so an OP is only ready once none of its
datasets appeared or changed for a settle period.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from l2portal.programs.science.metadata import DatasetInventory

_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ProgramGroup:
    """One Observing Program as the store's datasets make it up (the model is its database row)."""

    program_id: str
    datasets: tuple[DatasetInventory, ...]  # current: one per productId, sorted by datasetId
    superseded: tuple[DatasetInventory, ...]  # older reprocessings, sorted by datasetId
    last_changed: datetime | None  # latest appearance or change of any of its datasets

    @property
    def proposal_id(self) -> str | None:
        return next((d.primary_proposal_id for d in self.datasets if d.primary_proposal_id), None)

    @property
    def instruments(self) -> tuple[str, ...]:
        return tuple(sorted({d.instrument_name for d in self.datasets if d.instrument_name}))

    def ready_at(self, settle_period: timedelta) -> datetime | None:
        """When the OP will have been quiet for ``settle_period``; None if no dataset has a date."""
        return None if self.last_changed is None else self.last_changed + settle_period

    def is_ready(self, now: datetime, settle_period: timedelta) -> bool:
        ready_at = self.ready_at(settle_period)
        return ready_at is not None and now >= ready_at


def _reprocessing_order(dataset: DatasetInventory) -> tuple[datetime, str]:
    # datasetId breaks ties so the choice never depends on the order the store listed them in.
    return (dataset.last_modified or _EARLIEST, dataset.dataset_id)


def split_superseded(
    datasets: Iterable[DatasetInventory],
) -> tuple[list[DatasetInventory], list[DatasetInventory]]:
    """(current, superseded): per productId the newest reprocessing is current.

    A dataset without a productId is its own product.
    """
    newest: dict[str, DatasetInventory] = {}
    superseded: list[DatasetInventory] = []
    for dataset in datasets:
        product = dataset.product_id or dataset.dataset_id
        held = newest.get(product)
        if held is None:
            newest[product] = dataset
        elif _reprocessing_order(dataset) > _reprocessing_order(held):
            superseded.append(held)
            newest[product] = dataset
        else:
            superseded.append(dataset)
    return list(newest.values()), superseded


def last_changed(
    datasets: Iterable[DatasetInventory], first_seen: Mapping[str, datetime] | None = None
) -> datetime | None:
    """Latest createDate/updateDate, or first sighting by the scanner (``first_seen`` by datasetId).

    ``first_seen`` covers a dataset the store back-dates: it appeared for us later than its dates.
    """
    latest: datetime | None = None
    for dataset in datasets:
        moments = [dataset.create_date, dataset.update_date]
        if first_seen is not None:
            moments.append(first_seen.get(dataset.dataset_id))
        for moment in moments:
            if moment is not None and (latest is None or moment > latest):
                latest = moment
    return latest


def group_programs(
    datasets: Iterable[DatasetInventory], first_seen: Mapping[str, datetime] | None = None
) -> dict[str, ProgramGroup]:
    """Observing Programs keyed by observingProgramExecutionId, in id order."""
    by_program: dict[str, list[DatasetInventory]] = {}
    for dataset in datasets:
        by_program.setdefault(dataset.observing_program_execution_id, []).append(dataset)

    def by_id(dataset: DatasetInventory) -> str:
        return dataset.dataset_id

    programs = {}
    for program_id in sorted(by_program):
        members = by_program[program_id]
        current, superseded = split_superseded(members)
        programs[program_id] = ProgramGroup(
            program_id=program_id,
            datasets=tuple(sorted(current, key=by_id)),
            superseded=tuple(sorted(superseded, key=by_id)),
            last_changed=last_changed(members, first_seen),
        )
    return programs
