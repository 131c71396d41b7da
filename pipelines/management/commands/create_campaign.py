"""manage.py create_campaign P310 --runs 545208791:546407418 (or --run-list 545208791,545294791)."""

from django.core.management.base import BaseCommand, CommandError

from l2portal.ledger.refusals import Refused
from l2portal.ledger.services import Actor
from pipelines import services


def run_range(text: str) -> tuple[int, int]:
    first, _, last = text.partition(":")
    try:
        return int(first), int(last)
    except ValueError as error:
        raise CommandError(f"--runs wants FIRST:LAST, e.g. 545208791:546407418, not {text!r}") from error


class Command(BaseCommand):
    help = "Define a reprocessing campaign over a range or a list of data runs."

    def add_arguments(self, parser):
        parser.add_argument("name", help="processing name, e.g. P310")
        selection = parser.add_mutually_exclusive_group(required=True)
        selection.add_argument("--runs", type=run_range, help="FIRST:LAST run (MET), inclusive")
        selection.add_argument("--run-list", help="runs separated by commas")
        parser.add_argument("--description", default="")

    def handle(self, *args, name, runs, run_list, description, **options):
        selection = {"first_run": runs[0], "last_run": runs[1]} if runs else {}
        if run_list:
            try:
                selection = {"run_ids": [int(r) for r in run_list.split(",") if r.strip()]}
            except ValueError as error:
                raise CommandError(f"--run-list: {error}") from error
        try:
            campaign = services.create_campaign(
                name, Actor.system("create_campaign command"), description=description, **selection
            )
        except Refused as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"campaign {campaign} defined over {campaign.campaign_runs.count()} runs")
