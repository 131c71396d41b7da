"""Build and validate the PPR of an MOUS restore from the configured archive, without running it."""

from datetime import UTC, datetime

from django.conf import settings
from django.core.management.base import CommandError

from l2portal.files import atomic_output
from l2portal.ledger.commands import PortalCommand
from restore import conf
from restore.science import archive
from restore.science.plan import SCRIPT_ROUTE, format_plan, load_plan
from restore.science.ppr import build_ppr, check_ppr
from restore.science.productstore import ProductStore
from restore.science.scriptgen import generate_script
from restore.services import STEP_ERRORS


class Command(PortalCommand):
    help = (
        "Query the archive for MOUS_UID, read its pipeline manifest and restore script, print the "
        "sessions table, the route and warnings, and write the validated PPR (pipeline tasks only) to "
        "--output; --script writes the restore script the restore-script route would run."
    )

    def add_arguments(self, parser):
        parser.add_argument("mous_uid", help="member OUS uid, e.g. uid://A001/X12a3/X80e")
        parser.add_argument("--output", required=True, help="where to write the PPR")
        parser.add_argument("--script", help="where to write the generated restore script (script route)")
        parser.add_argument(
            "--root",
            default=getattr(settings, "RESTORE_ROOT", "") or "Undefined",
            help="RootDirectory recorded in the PPR (the pipeline itself uses $SCIPIPE_ROOTDIR)",
        )
        parser.add_argument(
            "--products",
            default=conf.product_store(),
            help="product store: an NGAS server's base URL, or a folder of files by NGAS file id "
            "(default: RESTORE_PRODUCT_STORE, else the demo folder)",
        )
        parser.add_argument("--force", action="store_true", help="replace existing, different files")

    def handle(self, mous_uid, output, script, root, products, force, **options):
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
            if script and plan.route == SCRIPT_ROUTE:
                generated = generate_script(
                    plan.script, plan.dataset, plan.ppr_session_of, source_name=plan.script_name
                )
                with atomic_output(script, overwrite=force) as tmp:
                    tmp.write_text(generated.text)
        except STEP_ERRORS as error:  # OutputExists too: an OSError
            raise CommandError(str(error)) from error
        finally:
            connection.close()
        self.stdout.write(format_plan(plan))
        self.stdout.write(self.style.SUCCESS(f"PPR for {mous_uid} written to {output}"))
        if plan.route == SCRIPT_ROUTE:
            where = f"written to {script}" if script else "not written (give --script PATH)"
            self.stdout.write(f"a restore runs the generated restore script instead: {where}")
