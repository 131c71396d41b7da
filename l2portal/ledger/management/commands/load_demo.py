"""Demo data for `make run`: role users, a few tracked objects with history, one product."""

from django.core.management.base import BaseCommand
from django.db import transaction

from l2portal.ledger import services
from l2portal.ledger.roles_setup import ensure_user
from l2portal.ledger.tasks import export_collection
from l2portal.programs.models import ObservingProgram
from l2portal.roles import FSSC, OPERATOR, SCIENTIST
from pipelines.models import Chunk, DataRun, Downlink, ReprocessingCampaign
from restore.models import RestoreRequest

DEMO_USERS = (("operator", OPERATOR), ("scientist", SCIENTIST), ("fssc", FSSC))
# seeds/000: the P310 test reprocessing covered runs 545208791 to 546407418.
DEMO_RUNS = (545208791, 545294791, 545380791, 546407418)


class Command(BaseCommand):
    help = "Load demo users and data (idempotent). Users: operator, scientist (password = user name), fssc."

    def handle(self, **options):
        system = services.Actor.system("demo data")
        with transaction.atomic():
            for username, role in DEMO_USERS:
                _, token = ensure_user(username, role, None if role == FSSC else username)
                if token:
                    self.stdout.write(f"FSSC API token: {token.key}")
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
                run, _ = DataRun.objects.get_or_create(run_id=run_id)
                campaign.runs.add(run)
            downlink, created = Downlink.objects.get_or_create(
                downlink_id=230401001, defaults={"chunk_count": 4}
            )
            if created:
                for number in range(1, 5):
                    Chunk.objects.create(downlink=downlink, number=number)
                services.transition(downlink, "chunked", system, "split into 4 chunks")
            ObservingProgram.objects.get_or_create(
                execution_id="eid_1_118_opAbc_001",
                defaults={"proposal_id": "pid_1_118", "instruments": ["VISP"]},
            )
            program, created = ObservingProgram.objects.get_or_create(
                execution_id="eid_2_23_opXyz_004",
                defaults={"proposal_id": "pid_2_23", "instruments": ["VBI"]},
            )
            if created:
                services.transition(program, "not_invertible", system, "no ViSP datasets")
            RestoreRequest.objects.get_or_create(mous_uid="uid://A001/X12a3/X80e")
            readme = services.product_path(collection, "docs", "P310_README.txt")
            services.write_product(
                collection,
                readme,
                "documentation",
                lambda tmp: tmp.write_text("P310: FT2 files with SC_VELOCITY, BTIs applied (seeds/000).\n"),
            )
            export_collection.delay_on_commit(collection.pk)
        self.stdout.write(
            self.style.SUCCESS("Demo data loaded. Sign in as operator/operator or scientist/scientist.")
        )
