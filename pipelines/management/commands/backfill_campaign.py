"""manage.py backfill_campaign P310 --to 546407418: the runs registered since the campaign was
defined, up to that run, join it as a pass of their own (finished runs are not touched)."""

from django.core.management.base import CommandError

from l2portal.ledger.commands import PortalCommand
from pipelines import services
from pipelines.models import ReprocessingCampaign


class Command(PortalCommand):
    help = "Backfill a started campaign up to a later run: new runs join it as a new pass."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--to", type=int, required=True, dest="last_run", help="last run (MET) to reach")

    def handle(self, *args, name, last_run, **options):
        campaign = ReprocessingCampaign.objects.filter(name=name).first()
        if campaign is None:
            raise CommandError(f"no campaign {name}")
        result = services.backfill_campaign(campaign, last_run, self.actor)
        self.stdout.write(f"{name} pass {result['pass']}: {result['added']} runs added and queued")
