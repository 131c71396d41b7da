from django.core.management.base import BaseCommand

from l2portal.portal.site import queues


class Command(BaseCommand):
    help = "Print the queues a worker should consume, comma-separated (for `celery worker -Q`)."

    def handle(self, **options):
        self.stdout.write(",".join(queues()))
