"""manage.py submit_bti 545208791 --file bti.json: a new BTI set version for a run.

The file holds {"reason": "...", "intervals": [{"start": MET, "stop": MET, "value": int}, ...]}
or just the list of intervals."""

import json
from pathlib import Path

from django.core.management.base import CommandError

from l2portal.ledger.commands import PortalCommand
from pipelines import services


class Command(PortalCommand):
    help = "Submit a Bad Time Interval set for a run; it becomes the run's active set."

    def add_arguments(self, parser):
        parser.add_argument("run", type=int)
        parser.add_argument("--file", required=True, help="JSON file with the intervals")
        parser.add_argument("--reason", default="")

    def handle(self, *args, run, file, reason, **options):
        try:
            document = json.loads(Path(file).read_text())
        except (OSError, ValueError) as error:
            raise CommandError(f"{file}: {error}") from error
        if isinstance(document, list):
            document = {"intervals": document}
        bti_set = services.submit_bti_set(
            run,
            document.get("intervals", []),
            self.actor,
            reason or document.get("reason", ""),
        )
        self.stdout.write(f"{bti_set} submitted with {bti_set.intervals.count()} intervals; it is active")
