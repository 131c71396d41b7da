"""Demo data for the pipelines app (called by `manage.py load_demo`; idempotent): four data runs
with short synthetic magic7 files, BTI sets, campaign P310 run over them (in the web process when
embedded, on the workers otherwise) and a proposed switchover, so the pages show finished runs and
the FSSC API has products to pull; and two simulated downlinks (one chunk corrupt) sharing a run,
processed through decoding, merging and Level 1, so the downlink pages have something to show."""

import datetime

from django.utils import timezone

from l2portal.ledger import services as ledger
from l2portal.registry import services as registry

from . import conf, services
from .models import BtiSet, Magic7Input, ReprocessingCampaign, Switchover
from .science import orbitgen
from .standins.downlinksim import Timeline, write_downlinks

# The P310 test reprocessing of the FT2 velocity change procedure (STGEN-165) covered runs 545208791
# to 546407418.
DEMO_RUNS = (545208791, 545294791, 545380791, 546407418)
DEMO_SECONDS = 600.0  # short runs keep `make run` fast
# Telemetry velocity errors (m/s) that spread the runs' velocity-check deviations below the 5 m/s
# tolerance, so the campaign page's chart shows them against it.
DEMO_VELOCITY_BIAS = dict(zip(DEMO_RUNS, (0.0, 1.0, 2.2, 3.5), strict=True))
# Two downlinks of four chunks; the second downlink's third chunk arrives corrupt.
DEMO_TIMELINE = Timeline(downlinks=2, downlink_seconds=600.0, chunks=4, run_seconds=500.0)
CORRUPT_CHUNK = (DEMO_TIMELINE.first_downlink + 1, 3)


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


def _downlinks(actor, stdout) -> None:
    """Simulated downlinks in the incoming root, with magic7 and each run's livetime table over
    their span, ingested."""
    incoming = conf.incoming_root()
    for root in (incoming, conf.staging_root(), conf.output_root()):
        root.mkdir(parents=True, exist_ok=True)
    timeline = DEMO_TIMELINE
    start, stop = timeline.start - 100, timeline.start + timeline.downlinks * timeline.downlink_seconds + 100
    if not Magic7Input.objects.filter(data_run__run_id=int(timeline.start)).exists():
        magic7 = incoming / "demo-timeline.magic7"
        orbitgen.write_magic7(magic7, start, stop, seed=7)
        services.register_magic7(int(timeline.start), magic7, start, stop, actor)
        table = incoming / "demo-timeline-livetime.csv"
        orbitgen.write_livetime_table(table, start, stop)
        for run_id in timeline.run_starts().astype(int).tolist():
            services.register_input("livetime_table", run_id, table, actor)
    for folder in write_downlinks(incoming, timeline, corrupt=CORRUPT_CHUNK):
        downlink, created = services.ingest_downlink(folder, actor)
        if created:
            stdout.write(f"  {downlink} ingested from {folder.name}/")


def load_demo(actor, stdout) -> None:
    _downlinks(actor, stdout)
    # Registering a run's magic7 file registers the run.
    have_magic7 = set(Magic7Input.objects.values_list("data_run__run_id", flat=True))
    services.generate_demo_magic7(
        [r for r in DEMO_RUNS if r not in have_magic7],
        DEMO_SECONDS,
        actor,
        livetime=False,
        velocity_bias=DEMO_VELOCITY_BIAS,
    )
    services.generate_demo_livetime(DEMO_RUNS, actor)  # registering it again changes nothing
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
        switch = timezone.localdate() + datetime.timedelta(days=14)
        services.propose_switchover(
            campaign,
            switch,
            actor,
            "FSSC serves the P310 FT2 files from this date",
            l1_software="GlastRelease 20-10-04 (fitsGen with SC_VELOCITY)",
            l1_from=datetime.datetime.combine(switch, datetime.time(), tzinfo=datetime.UTC),
        )
    collection = campaign.collection
    readme = registry.product_path(collection, "docs", "P310_README.txt")
    registry.write_product(
        collection,
        readme,
        "documentation",
        lambda tmp: tmp.write_text("P310: FT2 files with SC_VELOCITY, BTIs applied (seeds/000).\n"),
    )
    ledger.enqueue("l2portal.registry.tasks.export_collection", collection.pk)
