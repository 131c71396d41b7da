"""manage.py import_registry FILE"""

from pathlib import Path

from l2portal.ledger.commands import PortalCommand
from l2portal.registry import services as registry


class Command(PortalCommand):
    help = (
        "Import an export of another site (a document, or a tarball with files): the whole of it is "
        "checked first and nothing is written if anything is wrong; new records keep their UUIDs; "
        "importing it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, file, **options):
        result = registry.import_registry(file, self.actor)
        if not result.changed:
            self.stdout.write("nothing new: every record is here already")
            return
        self.stdout.write(
            "imported " + ", ".join(f"{n} {section}" for section, n in result.written.items() if n)
        )
