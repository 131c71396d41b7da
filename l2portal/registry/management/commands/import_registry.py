"""manage.py import_registry FILE"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from l2portal.ledger import services
from l2portal.ledger.refusals import Refused
from l2portal.registry import services as registry


class Command(BaseCommand):
    help = (
        "Import an export of another site (a document, or a tarball with files): the whole of it is "
        "checked first and nothing is written if anything is wrong; new records keep their UUIDs; "
        "importing it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, file, **options):
        try:
            result = registry.import_registry(file, services.Actor.system("manage.py import_registry"))
        except Refused as error:
            raise CommandError(error.message) from error
        if not result.changed:
            self.stdout.write("nothing new: every record is here already")
            return
        self.stdout.write(
            "imported " + ", ".join(f"{n} {section}" for section, n in result.written.items() if n)
        )
