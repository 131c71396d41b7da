from l2portal.ledger import services
from l2portal.ledger.commands import PortalCommand


class Command(PortalCommand):
    help = (
        "Recover lost work now: mark executions whose worker died as lost (removing their partial "
        "files), send again the work whose message was lost, relay work queued while the broker was "
        "down. Beat runs this every minute."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list what would be done and why")

    def handle(self, dry_run, **options):
        recovery = services.reconcile(self.actor, dry_run=dry_run)
        for line in recovery.lines():
            self.stdout.write(("would " if dry_run else "") + line)
        if not dry_run:
            self.stdout.write(f"{recovery.relayed} queued tasks sent to the broker")
        if not recovery.lines():
            self.stdout.write("nothing lost")
