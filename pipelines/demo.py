"""Demo data for the pipelines app (called by `manage.py load_demo`; idempotent): four data runs
with short synthetic magic7 files, BTI sets, campaign P310 run over them (in the web process when
embedded, on the workers otherwise) and a proposed switchover, so the pages show finished runs and
the FSSC API has products to pull."""

import datetime

from django.utils import timezone

from l2portal.ledger import services as ledger

from . import services
from .models import BtiSet, Magic7Input, ReprocessingCampaign, Switchover

# seeds/000: the P310 test reprocessing covered runs 545208791 to 546407418.
DEMO_RUNS = (545208791, 545294791, 545380791, 546407418)
DEMO_SECONDS = 600.0  # short runs keep `make run` fast


def _bti_sets(actor) -> None:
    """Reviewed runs are good (1); the first one had a solar flare (-1) and a bad minute (0)."""
    reviewed = set(
        BtiSet.objects.filter(data_run__run_id__in=DEMO_RUNS).values_list("data_run__run_id", flat=True)
    )
    for run in DEMO_RUNS:
        if run in reviewed:
            continue
        intervals = [{"start": run, "stop": run + DEMO_SECONDS, "value": 1}]
        reason = "reviewed: good"
        if run == DEMO_RUNS[0]:
            intervals += [
                {"start": run + 120, "stop": run + 240, "value": -1},
                {"start": run + 300, "stop": run + 360, "value": 0},
            ]
            reason = "solar flare and a bad minute"
        services.submit_bti_set(run, intervals, actor, reason)


def load_demo(actor, stdout) -> None:
    services.register_downlink(230401001, 4, actor)
    # Registering a run's magic7 file registers the run.
    have_magic7 = set(Magic7Input.objects.values_list("data_run__run_id", flat=True))
    services.generate_demo_magic7([r for r in DEMO_RUNS if r not in have_magic7], DEMO_SECONDS, actor)
    _bti_sets(actor)
    campaign = ReprocessingCampaign.objects.filter(name="P310").first()
    if campaign is None:
        campaign = services.create_campaign(
            "P310",
            actor,
            first_run=DEMO_RUNS[0],
            last_run=DEMO_RUNS[-1],
            description="Add the spacecraft velocity to FT2; apply BTIs",
        )
        result = services.start_campaign(campaign, actor)
        stdout.write(f"  campaign P310 started: {result['queued']} runs queued")
    if not Switchover.objects.filter(campaign=campaign).exists():
        services.propose_switchover(
            campaign,
            timezone.localdate() + datetime.timedelta(days=14),
            actor,
            "FSSC serves the P310 FT2 files from this date",
        )
    collection = campaign.collection
    readme = ledger.product_path(collection, "docs", "P310_README.txt")
    ledger.write_product(
        collection,
        readme,
        "documentation",
        lambda tmp: tmp.write_text("P310: FT2 files with SC_VELOCITY, BTIs applied (seeds/000).\n"),
    )
    ledger.enqueue("l2portal.ledger.tasks.export_collection", collection.pk)
