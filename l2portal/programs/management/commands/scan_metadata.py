"""Scan the metadata store, or import offline GraphQL response files, into observing programs."""

from django.core.management.base import CommandError

from l2portal.ledger.commands import PortalCommand
from l2portal.programs import services


class Command(PortalCommand):
    help = (
        "Import datasets from offline datasetInventories response files (--file F1.json [F2.json ...]) "
        "or from a live metadata store (--url, default METADATA_STORE_URL); group, settle and qualify."
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--file", nargs="+", dest="files", metavar="FILE", help="GraphQL response files")
        source.add_argument("--url", help="GraphQL endpoint of the metadata store")
        parser.add_argument("--proposal", help="only this primaryProposalId (live store only)")

    def handle(self, files=None, url=None, proposal=None, **options):
        actor = self.actor
        try:
            if files:
                if proposal:
                    raise CommandError("--proposal applies to a live store, not to --file")
                scan = services.scan_files(files, actor)
            else:
                scan = services.scan_store(actor, url=url, proposal_id=proposal)
        except services.ScanFailed as failed:
            raise CommandError(f"scan {failed.scan.pk} failed, nothing changed: {failed}") from None
        self.stdout.write(
            f"scan {scan.pk}: {scan.datasets_seen} datasets — {scan.new} new, {scan.updated} updated, "
            f"{scan.unchanged} unchanged; {scan.programs_touched} programs touched, "
            f"{scan.programs_qualified} qualified"
        )
