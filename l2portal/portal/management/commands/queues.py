from l2portal.ledger.commands import PortalCommand
from l2portal.portal.site import queues


class Command(PortalCommand):
    help = "Print the queues a worker should consume, comma-separated (for `celery worker -Q`)."

    def handle(self, **options):
        self.stdout.write(",".join(queues()))
