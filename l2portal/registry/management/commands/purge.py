"""manage.py purge --dry-run | --yes"""

from django.core.management.base import CommandError

from l2portal.ledger.commands import PortalCommand
from l2portal.registry import services as registry


class Command(PortalCommand):
    help = (
        "Apply the retention rules now (the hourly task does the same): files of products due are "
        "deleted after their rows are marked purged; rows and provenance stay; a product a running "
        "task reads is kept. --dry-run lists what would go and changes nothing."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--dry-run", action="store_true", help="list what would be purged")
        group.add_argument("--yes", action="store_true", help="purge")

    def handle(self, dry_run, yes, **options):
        if not (dry_run or yes):
            raise CommandError("say --dry-run to see what would be purged, or --yes to purge it")
        plan = registry.purge_expired(self.actor, dry_run=dry_run)
        for line in plan.lines():
            self.stdout.write(("would purge " if dry_run else "purged ") + line)
        self.stdout.write(f"{plan.count} products {'to purge' if dry_run else 'purged'}")
