"""Build and validate the PPR of an MOUS restore from the configured archive, without running it."""

from datetime import UTC, datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from l2portal.files import OutputExists, atomic_output
from restore import archive, conf
from restore.plan import PlanError, format_plan, load_plan
from restore.ppr import PprError, build_ppr, check_ppr
from restore.productstore import ProductStore, StoreError
from restore.sessions import UnsafeXMLError


class Command(BaseCommand):
    help = (
        "Query the archive for MOUS_UID, read its pipeline manifest and restore script, print the "
        "sessions table and warnings, and write the validated PPR to --output."
    )

    def add_arguments(self, parser):
        parser.add_argument("mous_uid", help="member OUS uid, e.g. uid://A001/X12a3/X80e")
        parser.add_argument("--output", required=True, help="where to write the PPR")
        parser.add_argument(
            "--root",
            default=getattr(settings, "RESTORE_ROOT", "") or "Undefined",
            help="RootDirectory recorded in the PPR (the pipeline itself uses $SCIPIPE_ROOTDIR)",
        )
        parser.add_argument(
            "--products",
            default=conf.product_store(),
            help="product store: a folder of files by NGAS file id, or an NGAS-style URL "
            "(default: RESTORE_PRODUCT_STORE, else the demo store)",
        )
        parser.add_argument("--force", action="store_true", help="replace an existing, different PPR")

    def handle(self, mous_uid, output, root, products, force, **options):
        try:
            connection = archive.connect(conf.archive_url())
        except archive.ArchiveError as error:
            raise CommandError(str(error)) from error
        try:
            plan = load_plan(connection, mous_uid, ProductStore(products).read)
            ppr = build_ppr(plan, root_directory=str(root), creation_time=datetime.now(UTC))
            check_ppr(ppr, plan.manifest)
            with atomic_output(output, overwrite=force) as tmp:
                tmp.write_bytes(ppr)
        except (
            archive.ArchiveError,
            PlanError,
            PprError,
            StoreError,
            UnsafeXMLError,
            OutputExists,
            OSError,
        ) as error:
            raise CommandError(str(error)) from error
        finally:
            connection.close()
        self.stdout.write(format_plan(plan))
        self.stdout.write(self.style.SUCCESS(f"PPR for {mous_uid} written to {output}"))
