"""manage.py ingest_downlink FOLDER: register a downlink folder (chunks + RetDef files) under
PIPELINES_INCOMING_ROOT and start it; a folder registered before is left as it is."""

from pathlib import Path

from l2portal.ledger.commands import PortalCommand
from pipelines import services


class Command(PortalCommand):
    help = "Register a downlink folder (chunks and RetDef files) and start its processing, once."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="the downlink's folder under PIPELINES_INCOMING_ROOT")

    def handle(self, *args, folder, **options):
        downlink, created = services.ingest_downlink(folder, self.actor)
        if created:
            self.stdout.write(f"{downlink}: {downlink.chunk_count} chunks registered and queued for decoding")
        else:
            self.stdout.write(f"{downlink} was registered before ({downlink.state_label}); nothing changed")
