"""manage.py make_ft2: one magic7 file to one FT2 file. Needs no database (touches no model).

``--definitions NAME`` picks the definition set of the derived columns (``--definitions list`` names
them); ``--livetime-table``, ``--livetime-previous`` or ``--livetime-command`` gives LIVETIME its
source (without one LIVETIME is 0 and the file says so).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.management.base import CommandError

from l2portal.files import atomic_output
from l2portal.ledger.commands import PortalCommand
from pipelines.science import ft2science, livetime
from pipelines.science.ft2 import (
    BIN_SIZES,
    DEFAULT_DATA_QUAL,
    DEFAULT_DEFINITIONS,
    DEFAULT_LAT_CONFIG,
    Ft2Config,
    Ft2Error,
    make_ft2,
)
from pipelines.science.ft2bins import DEFAULT_MAX_GAP
from pipelines.science.ft2qa import check_velocity_file
from pipelines.science.magic7 import DEFAULT_LIMITS, Magic7Error, Magic7Limits, read_magic7

LIST = "list"


class Command(PortalCommand):
    help = "Compute an FT2 (spacecraft pointing history) FITS file from a magic7 telemetry file."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--magic7", help="magic7 text file (may be gzip-compressed)")
        parser.add_argument("--start", type=float, help="start MET, seconds")
        parser.add_argument("--stop", type=float, help="stop MET, seconds")
        parser.add_argument("--bin", type=float, default=1.0, choices=BIN_SIZES, help="bin size, seconds")
        parser.add_argument("--output", help="FT2 FITS file to write")
        parser.add_argument(
            "--definitions",
            default=DEFAULT_DEFINITIONS,
            help=f"definition set of the derived columns (default {DEFAULT_DEFINITIONS}); 'list' names them",
        )
        source = parser.add_mutually_exclusive_group()
        source.add_argument(
            "--livetime-table", help="per-run livetime table (CSV or FITS, see pipelines.science.livetime)"
        )
        source.add_argument(
            "--livetime-previous", help="the run's previous FT2 file, whose LIVETIME is taken"
        )
        source.add_argument(
            "--livetime-command",
            help="command line writing a livetime table to {output} for {run} {start} {stop}",
        )
        parser.add_argument("--run", type=int, help="run number handed to the livetime command as {run}")
        parser.add_argument(
            "--max-gap",
            type=float,
            default=DEFAULT_MAX_GAP,
            help=f"longest telemetry gap interpolated across, seconds (default {DEFAULT_MAX_GAP:g})",
        )
        parser.add_argument(
            "--max-rejected-share",
            type=float,
            default=DEFAULT_LIMITS.max_rejected_share,
            help="share of magic7 lines that may be rejected before the file is refused",
        )
        parser.add_argument("--data-qual", type=int, default=DEFAULT_DATA_QUAL, help="initial DATA_QUAL")
        parser.add_argument("--lat-config", type=int, default=DEFAULT_LAT_CONFIG, help="LAT_CONFIG value")
        parser.add_argument("--proc-ver", type=int, default=310, help="PROC_VER header value")
        # Django reserves --version for itself.
        parser.add_argument("--file-version", type=int, default=1, help="VERSION header value")
        parser.add_argument("--overwrite", action="store_true", help="replace an existing, different file")

    def handle(self, *args, **options):
        if options["definitions"] == LIST:
            for name, description in ft2science.describe().items():
                self.stdout.write(f"{name}: {description} [{ft2science.versions(name)['igrf']}]")
            return
        missing = [f"--{name}" for name in ("magic7", "start", "stop", "output") if options[name] is None]
        if missing:
            raise CommandError(f"give {', '.join(missing)} (or --definitions list)")
        if options["definitions"] not in ft2science.available():
            available = ", ".join(ft2science.available())
            raise CommandError(f"unknown definition set {options['definitions']!r}; available: {available}")
        limits = Magic7Limits(options["max_rejected_share"], DEFAULT_LIMITS.max_gap_seconds)
        try:
            data = read_magic7(options["magic7"], limits)
        except (OSError, Magic7Error) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"magic7: {data.report.summary()}")
        for problem in data.report.problems:
            self.stderr.write(f"  line {problem.line}: {problem.reason}")

        config = Ft2Config(
            bin_seconds=options["bin"],
            data_qual=options["data_qual"],
            lat_config=options["lat_config"],
            proc_ver=options["proc_ver"],
            version=options["file_version"],
            definitions=options["definitions"],
            max_gap_seconds=options["max_gap"],
        )
        output = Path(options["output"])
        try:
            with tempfile.TemporaryDirectory() as folder:
                source = self._livetime(options, folder)
                with atomic_output(output, overwrite=options["overwrite"]) as temporary:
                    product = make_ft2(
                        data, options["start"], options["stop"], config, temporary, output.name, source
                    )
        except (Ft2Error, livetime.LivetimeError, FileExistsError) as error:
            raise CommandError(str(error)) from error

        metadata = product.metadata
        self.stdout.write(f"wrote {output}: {product.rows} rows, {product.tstart:.6f}..{product.tstop:.6f}")
        self.stdout.write(
            f"definitions {metadata['definitions']} ({metadata['igrf']}, numpy {metadata['numpy']}, "
            f"astropy {metadata['astropy']}, pyerfa {metadata['pyerfa']}, IERS {metadata['iers']})"
        )
        if product.livetime_source == livetime.NONE:
            self.stdout.write(
                "WARNING: no livetime source: LIVETIME is 0 in every bin (LIVETSRC = 'none'); such a file "
                "cannot be released: give --livetime-table, --livetime-previous or --livetime-command"
            )
        else:
            self.stdout.write(f"livetime from {metadata['livetime_source']} {metadata['livetime_input']}")
        for gap in metadata["telemetry_gaps"]:
            self.stdout.write(f"WARNING: {gap}")
        self.stdout.write(check_velocity_file(output).summary())

    def _livetime(self, options, folder) -> livetime.LivetimeTable | None:
        if options["livetime_table"]:
            return livetime.read_table(options["livetime_table"])
        if options["livetime_previous"]:
            return livetime.from_previous_ft2(options["livetime_previous"])
        if options["livetime_command"]:
            return livetime.run_command(
                options["livetime_command"], folder, options["start"], options["stop"], run=options["run"]
            )
        return None
