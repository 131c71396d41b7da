"""manage.py register_magic7 545208791 magic7_110517.txt --stop 545214791: a run's magic7 input."""

from pathlib import Path

from django.core.management.base import CommandError

from l2portal.ledger.commands import PortalCommand
from pipelines import services


class Command(PortalCommand):
    help = "Register a magic7 file (plain or gzip) as the input of a data run; the latest one is used."

    def add_arguments(self, parser):
        parser.add_argument("run", type=int, help="run start (MET)")
        parser.add_argument("file")
        parser.add_argument("--start", type=float, help="first MET covered (default: the run start)")
        parser.add_argument("--stop", type=float, required=True, help="end MET of the run")

    def handle(self, *args, run, file, start, stop, **options):
        source = Path(file)
        if not source.is_file():
            raise CommandError(f"{file}: no such file")
        magic7 = services.register_magic7(
            run,
            source,
            float(run) if start is None else start,
            stop,
            self.actor,
        )
        self.stdout.write(f"{magic7.data_run}: {magic7.product.path} ({magic7.met_start}..{magic7.met_stop})")
