"""manage.py ingest_downlink FOLDER: register a downlink folder (chunks + RetDef files) under
PIPELINES_INCOMING_ROOT and start it; a folder registered before is left as it is."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from l2portal.ledger.refusals import Refused
from l2portal.ledger.services import Actor
from pipelines import services


class Command(BaseCommand):
    help = "Register a downlink folder (chunks and RetDef files) and start its processing, once."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="the downlink's folder under PIPELINES_INCOMING_ROOT")

    def handle(self, *args, folder, **options):
        try:
            downlink, created = services.ingest_downlink(folder, Actor.system("ingest_downlink command"))
        except Refused as error:
            raise CommandError(str(error)) from error
        if created:
            self.stdout.write(f"{downlink}: {downlink.chunk_count} chunks registered and queued for decoding")
        else:
            self.stdout.write(f"{downlink} was registered before ({downlink.state_label}); nothing changed")
