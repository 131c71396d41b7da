"""What is registered for a run's FT2 work: its current (previous) FT2 files, found through the
chain FT2/current; its livetime table; and the runs a campaign can discover over a MET range.

The previous version is looked up here only (``previous_ft2``), through the ledger's chain lookup,
so a change of where production files live is a change of the chain, not of the code."""

from __future__ import annotations

from dataclasses import dataclass

from l2portal.ledger import services as ledger
from l2portal.registry import services as registry
from l2portal.registry.models import Collection, Product

from ... import conf
from ...halfpipe.models import DataRun

INSTRUMENT = "LAT"
FT2_TYPES = {"1s": "ft2_1s", "30s": "ft2_30s"}
LIVETIME_TYPE = "livetime_table"


@dataclass(frozen=True)
class PreviousFt2:
    """A run's current 1-s and 30-s FT2 files (either may be missing or purged)."""

    one_second: Product | None
    thirty_second: Product | None

    @property
    def complete(self) -> bool:
        return all(p is not None and p.status == Product.Status.PRESENT for p in self.files)

    @property
    def files(self) -> tuple[Product | None, Product | None]:
        return self.one_second, self.thirty_second


def data_id(run_id: int) -> dict:
    return {"run": int(run_id)}


def _chain() -> Collection | None:
    return Collection.objects.filter(name=conf.ft2_chain()).first()


def previous_ft2(run_id: int) -> PreviousFt2 | None:
    """The run's FT2 files found first along the chain (PIPELINES_FT2_CHAIN, "FT2/current");
    None when the chain is not defined or holds neither file of the run."""
    chain = _chain()
    if chain is None:
        return None
    found = PreviousFt2(
        *(registry.find_product(chain, kind, INSTRUMENT, data_id(run_id)) for kind in FT2_TYPES.values())
    )
    return found if any(found.files) else None


def runs_with_previous_ft2(run_ids) -> set[int]:
    """Which of ``run_ids`` have a 1-s FT2 file along the chain (one query, however many runs)."""
    chain = _chain()
    if chain is None or not run_ids:
        return set()
    leaves = [c.pk for c in registry.resolve(chain)]
    keys = {registry.data_key(INSTRUMENT, data_id(r), ledger.Actor.system("pipelines")): r for r in run_ids}
    found = Product.objects.filter(
        collection_id__in=leaves, product_type=FT2_TYPES["1s"], current=True, data_key__in=list(keys)
    ).values_list("data_key", flat=True)
    return {keys[key] for key in found}


def livetime_table(run_id: int) -> Product | None:
    """The livetime table registered for the run (in the magic7 inputs' collection), if any."""
    collection = Collection.objects.filter(name=conf.magic7_collection()).first()
    if collection is None:
        return None
    return registry.find_product(collection, LIVETIME_TYPE, INSTRUMENT, data_id(run_id))


def discoverable_runs(first_run: int, last_run: int):
    """Data runs in [first_run, last_run] with a magic7 input: every run a campaign can process
    (carry-forward needs the magic7 too, for SC_VELOCITY)."""
    return DataRun.objects.filter(run_id__range=(first_run, last_run), magic7_inputs__isnull=False).distinct()
