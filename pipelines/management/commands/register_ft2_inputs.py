"""manage.py register_ft2_inputs DIR: every previous FT2 file, magic7 file and livetime table under
DIR registered by its name (see pipelines.ft2.services.ft2_inputs), with progress; registering again
changes nothing. A file that cannot be used is listed with the reason; the others go on."""

from pathlib import Path

from django.core.management.base import CommandError

from l2portal.ledger.commands import PortalCommand
from pipelines import services

REFUSALS_SHOWN = 50


class Command(PortalCommand):
    help = "Register previous FT2 files, magic7 files and livetime tables found under a directory."

    def add_arguments(self, parser):
        parser.add_argument("root", type=Path, help="directory searched recursively")

    def handle(self, *args, root, **options):
        if not root.is_dir():
            raise CommandError(f"{root} is not a directory")
        result = services.register_tree(root, self.actor, self._progress)
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(result.kinds.items())) or "no input"
        outcomes = result.outcomes
        self.stdout.write(
            f"{result.total} files: {outcomes['registered']} registered, "
            f"{outcomes['known']} already registered, {outcomes['refused']} refused, "
            f"{outcomes['ignored']} not inputs ({kinds})"
        )
        for line in result.refused[:REFUSALS_SHOWN]:
            self.stderr.write(f"refused: {line}")
        if result.refused:
            raise CommandError(f"{len(result.refused)} files were refused; correct them and run it again")

    def _progress(self, result, rate: float) -> None:
        left = (result.total - result.seen) / rate if rate else 0.0
        self.stdout.write(
            f"{result.seen}/{result.total} files ({100 * result.seen // max(result.total, 1)}%), "
            f"{rate:.0f} files/s, about {left:.0f} s left"
        )
