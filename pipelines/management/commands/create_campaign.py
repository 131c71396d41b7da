"""manage.py create_campaign P310 --runs 545208791:546407418 (or --run-list 545208791,545294791):
the runs registered in the range (with a magic7 input), or the listed ones. --definitions,
--mode and --livetime-source default to the settings and to carry-forward where runs have a
previous FT2 registered."""

from django.core.management.base import CommandError

from l2portal.ledger.commands import PortalCommand
from pipelines import services
from pipelines.models import ReprocessingCampaign
from pipelines.science.runs import parse_run_list


def run_range(text: str) -> tuple[int, int]:
    first, _, last = text.partition(":")
    try:
        return int(first), int(last)
    except ValueError as error:
        raise CommandError(f"--runs wants FIRST:LAST, e.g. 545208791:546407418, not {text!r}") from error


class Command(PortalCommand):
    help = "Define a reprocessing campaign over a range or a list of data runs."

    def add_arguments(self, parser):
        parser.add_argument("name", help="processing name, e.g. P310")
        selection = parser.add_mutually_exclusive_group(required=True)
        selection.add_argument("--runs", type=run_range, help="FIRST:LAST run (MET), inclusive")
        selection.add_argument("--run-list", help="runs separated by commas")
        parser.add_argument("--description", default="")
        parser.add_argument("--definitions", help="FT2 definition set (make_ft2 --definitions list)")
        parser.add_argument("--mode", choices=ReprocessingCampaign.Mode.values)
        parser.add_argument("--livetime-source", choices=ReprocessingCampaign.LivetimeSource.values)

    def handle(self, *args, name, runs, run_list, description, **options):
        selection = {"first_run": runs[0], "last_run": runs[1]} if runs else {}
        if run_list:
            try:
                selection = {"run_ids": parse_run_list(run_list)}
            except ValueError as error:
                raise CommandError(f"--run-list: {error}") from None
        campaign = services.create_campaign(
            name,
            self.actor,
            description=description,
            definitions=options["definitions"],
            mode=options["mode"],
            livetime_source=options["livetime_source"],
            **selection,
        )
        self.stdout.write(
            f"campaign {campaign} defined over {campaign.campaign_runs.count()} runs: {campaign.mode}, "
            f"definitions {campaign.definitions}, livetime from {campaign.livetime_source}"
        )
