"""manage.py start_campaign P310: queue one task per run not yet complete (fits queue)."""

from django.core.management.base import CommandError

from l2portal.ledger.commands import PortalCommand
from pipelines import services
from pipelines.models import ReprocessingCampaign


class Command(PortalCommand):
    help = "Start or re-run a reprocessing campaign; complete and valid runs are skipped."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        campaign = ReprocessingCampaign.objects.filter(name=name).first()
        if campaign is None:
            raise CommandError(f"no campaign {name}")
        result = services.start_campaign(campaign, self.actor)
        self.stdout.write(
            f"{name} pass {result['pass']}: {result['queued']} queued, {result['retried']} retried, "
            f"{result['skipped']} complete runs skipped"
        )
