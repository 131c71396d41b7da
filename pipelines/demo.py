"""Demo data for the pipelines app (called by `manage.py load_demo`)."""

from django.db import transaction

from l2portal.ledger import services
from l2portal.ledger.tasks import export_collection

from .models import Chunk, DataRun, Downlink, ReprocessingCampaign

# seeds/000: the P310 test reprocessing covered runs 545208791 to 546407418.
DEMO_RUNS = (545208791, 545294791, 545380791, 546407418)


def load_demo(actor, stdout) -> None:
    with transaction.atomic():
        collection = services.get_run_collection("P310", "FT2 reprocessing with SC_VELOCITY (seeds/000)")
        campaign, _ = ReprocessingCampaign.objects.get_or_create(
            name="P310",
            defaults={
                "collection": collection,
                "first_run": DEMO_RUNS[0],
                "last_run": DEMO_RUNS[-1],
                "description": "Add the spacecraft velocity to FT2; apply BTIs",
            },
        )
        for run_id in DEMO_RUNS:
            campaign.runs.add(DataRun.objects.get_or_create(run_id=run_id)[0])
        downlink, created = Downlink.objects.get_or_create(downlink_id=230401001, defaults={"chunk_count": 4})
        if created:
            Chunk.objects.bulk_create(
                Chunk(downlink=downlink, number=n, state="pending") for n in range(1, 5)
            )
            services.transition(downlink, "chunked", actor, "split into 4 chunks")
        readme = services.product_path(collection, "docs", "P310_README.txt")
        services.write_product(
            collection,
            readme,
            "documentation",
            lambda tmp: tmp.write_text("P310: FT2 files with SC_VELOCITY, BTIs applied (seeds/000).\n"),
        )
        export_collection.delay_on_commit(collection.pk)
