"""manage.py export_registry [--collection NAME ...] [--with-files] --output FILE"""

from pathlib import Path

from l2portal.ledger.commands import PortalCommand
from l2portal.registry import services as registry


class Command(PortalCommand):
    help = (
        "Export collections (every one when none is named) as a deterministic, versioned document: "
        "instruments, collections, products, executions, tags and events, each with its UUID. With "
        "--with-files, a tarball of the document and the products' files. Import it elsewhere with "
        "import_registry."
    )

    def add_arguments(self, parser):
        parser.add_argument("--collection", action="append", dest="collections", metavar="NAME")
        parser.add_argument("--with-files", action="store_true", help="a tarball holding the files too")
        parser.add_argument("--output", required=True, type=Path, metavar="FILE")

    def handle(self, collections, with_files, output, **options):
        actor = self.actor
        document = registry.export_registry(collections, output, actor, with_files=with_files)
        counts = ", ".join(
            f"{len(document[s])} {s}" for s in ("collections", "products", "executions", "events")
        )
        self.stdout.write(f"{output}: {counts} (format {document['format']} {document['version']})")
