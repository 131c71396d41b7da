"""manage.py verify_data_root [--sample N]"""

from django.core.management.base import CommandError

from l2portal.ledger.commands import PortalCommand
from l2portal.registry import services as registry


class Command(PortalCommand):
    help = (
        "Check the files under the data root against the registry: every present product's file is "
        "there with its registered size and sha256, and no file in a RUN collection's folder is "
        "unknown to the registry. Lists what differs, is missing or is not registered and exits "
        "non-zero if anything does (recorded in the change log). Run it after restoring a backup."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sample",
            type=int,
            metavar="N",
            help="read the sha256 of N files chosen at random (sizes are checked for all)",
        )

    def handle(self, sample, **options):
        if sample is not None and sample < 1:
            raise CommandError(f"--sample {sample}: give a number of files, 1 or more")
        check = registry.verify_data_root(self.actor, sample=sample)
        for line in check.lines():
            self.stdout.write(line)
        if not check.clean:
            raise CommandError(f"the data root differs from the registry: {check.summary()}")
        self.stdout.write(f"the data root matches the registry: {check.summary()}")
