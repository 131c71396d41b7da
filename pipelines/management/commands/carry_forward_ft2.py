"""manage.py carry_forward_ft2: a run's previous 1-s and 30-s FT2 files carried to a new version
(every column kept, SC_VELOCITY from magic7, DATA_QUAL from a BTI set as flagFT2 sets it), then
compared with the previous version and checked. Needs no database (touches no model)."""

from __future__ import annotations

import json
import re
from contextlib import ExitStack
from pathlib import Path

from django.core.management.base import CommandError

from l2portal.files import atomic_output
from l2portal.ledger.commands import PortalCommand
from pipelines.science import bti, carryforward
from pipelines.science.ft2bins import DEFAULT_MAX_GAP
from pipelines.science.ft2qa import check_velocity_file, compare_with_previous
from pipelines.science.magic7 import Magic7Error, read_magic7

ALLOWED_TO_DIFFER = ("SC_VELOCITY", "DATA_QUAL")


class Command(PortalCommand):
    help = "Carry a run's previous FT2 files forward to a new version with SC_VELOCITY and a BTI set."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--previous-1s", required=True, help="the run's previous 1-s FT2 file")
        parser.add_argument("--previous-30s", required=True, help="the run's previous 30-s FT2 file")
        parser.add_argument("--magic7", required=True, help="the run's magic7 file (may be gzip-compressed)")
        parser.add_argument("--bti", help="BTI set as JSON, as submit_bti takes it (default: no interval)")
        parser.add_argument("--processing", required=True, help="processing name, e.g. P310")
        parser.add_argument("--file-version", type=int, required=True, help="VERSION of the new files")
        parser.add_argument("--output-1s", required=True)
        parser.add_argument("--output-30s", required=True)
        parser.add_argument(
            "--base-data-qual",
            type=int,
            help="DATA_QUAL of every bin before the BTI set (default: the previous)",
        )
        parser.add_argument(
            "--max-gap", type=float, default=DEFAULT_MAX_GAP, help="longest ORB gap crossed, s"
        )
        parser.add_argument("--overwrite", action="store_true", help="replace existing, different files")

    def handle(self, *args, **options):
        digits = re.fullmatch(r"[Pp](\d+)", options["processing"])
        if not digits:
            raise CommandError(f"processing name {options['processing']!r} is not like P310")
        try:
            data = read_magic7(options["magic7"])
            intervals = self._intervals(options["bti"])
        except (OSError, ValueError, Magic7Error, bti.BtiError) as error:
            raise CommandError(str(error)) from error
        outputs = Path(options["output_1s"]), Path(options["output_30s"])
        new = carryforward.NewVersion(
            options["file_version"],
            options["processing"],
            int(digits.group(1)),
            outputs[0].name,
            outputs[1].name,
        )
        try:
            with ExitStack() as stack:
                temporary = [
                    stack.enter_context(atomic_output(o, overwrite=options["overwrite"])) for o in outputs
                ]
                result = carryforward.carry_forward(
                    options["previous_1s"], options["previous_30s"], data, intervals, new, *temporary,
                    base_data_qual=options["base_data_qual"], max_gap=options["max_gap"],
                )  # fmt: skip
        except (carryforward.CarryForwardError, OSError) as error:
            raise CommandError(str(error)) from error

        self.stdout.write(f"magic7: {data.report.summary()}")
        for interval, flagged in zip(intervals, result.ranges, strict=True):
            self.stdout.write(
                f"BTI {interval.start:.6f}..{interval.stop:.6f} value {interval.value}: "
                f"flagged {flagged.start:.6f}..{flagged.stop:.6f}"
            )
        failed = False
        for label, output, previous in zip(
            ("1s", "30s"), outputs, (options["previous_1s"], options["previous_30s"]), strict=True
        ):
            comparison = compare_with_previous(output, previous, allowed=ALLOWED_TO_DIFFER)
            velocity = check_velocity_file(output)
            failed |= not (comparison.same and velocity.passed)
            self.stdout.write(
                f"wrote {output}: {result.rows[label]} rows, "
                f"DATA_QUAL changed in {result.changed_bins[label]}; "
                f"against {Path(previous).name}: {comparison.summary()}; {velocity.summary()}"
            )
        if result.livetime_source == "none":
            self.stdout.write("WARNING: the previous version had no livetime source; neither has this one")
        if failed:
            raise CommandError("the new version differs from the previous one where it must not; see above")

    def _intervals(self, path: str | None) -> list[bti.BadTimeInterval]:
        if path is None:
            return []
        return bti.intervals_from_document(json.loads(Path(path).read_text()))
