"""manage.py generate_demo_magic7 545208791 545294791 --seconds 600: synthetic magic7 inputs."""

from django.core.management.base import CommandError

from l2portal.ledger.commands import PortalCommand
from pipelines import services


class Command(PortalCommand):
    help = (
        "Generate realistic magic7 files (pipelines.science.orbitgen) and register them as the runs' inputs."
    )

    def add_arguments(self, parser):
        parser.add_argument("runs", nargs="+", type=int, help="run start times (MET)")
        parser.add_argument("--seconds", type=float, default=600.0, help="span of each run, s")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, runs, seconds, seed, **options):
        if seconds <= 0:
            raise CommandError("--seconds must be positive")
        actor = self.actor
        for magic7 in services.generate_demo_magic7(runs, seconds, actor, seed=seed):
            self.stdout.write(f"{magic7.data_run}: {magic7.product.path}")
