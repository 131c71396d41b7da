"""manage.py purge_staging [--dry-run]: delete the decoded chunk files whose runs are merged and
through Level 1 (what the hourly beat task does); their rows stay, marked purged."""

from l2portal.ledger.commands import PortalCommand
from pipelines import services


class Command(PortalCommand):
    help = "Purge staging files no run needs any more (decoded chunks of runs through Level 1)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list them, change nothing")

    def handle(self, *args, dry_run, **options):
        paths = services.purge_staging(self.actor, dry_run=dry_run)
        for path in paths:
            self.stdout.write(f"{'would purge' if dry_run else 'purged'} {path}")
        self.stdout.write(f"{len(paths)} staging files {'to purge' if dry_run else 'purged'}")
