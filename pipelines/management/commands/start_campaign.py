"""manage.py start_campaign P310: queue one task per run not yet complete (fits queue)."""

from django.core.management.base import BaseCommand, CommandError

from l2portal.ledger.refusals import Refused
from l2portal.ledger.services import Actor
from pipelines import services
from pipelines.models import ReprocessingCampaign


class Command(BaseCommand):
    help = "Start or re-run a reprocessing campaign; complete and valid runs are skipped."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        campaign = ReprocessingCampaign.objects.filter(name=name).first()
        if campaign is None:
            raise CommandError(f"no campaign {name}")
        try:
            result = services.start_campaign(campaign, Actor.system("start_campaign command"))
        except Refused as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{name} pass {result['pass']}: {result['queued']} queued, {result['retried']} retried, "
            f"{result['skipped']} complete runs skipped"
        )
