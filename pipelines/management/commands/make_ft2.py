"""manage.py make_ft2: one magic7 file to one FT2 file. Needs no database (touches no model)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from l2portal.files import atomic_output
from pipelines.ft2 import BIN_SIZES, DEFAULT_DATA_QUAL, DEFAULT_LAT_CONFIG, Ft2Config, Ft2Error, make_ft2
from pipelines.ft2qa import check_velocity_file
from pipelines.magic7 import Magic7Error, read_magic7


class Command(BaseCommand):
    help = "Compute an FT2 (spacecraft pointing history) FITS file from a magic7 telemetry file."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--magic7", required=True, help="magic7 text file (may be gzip-compressed)")
        parser.add_argument("--start", required=True, type=float, help="start MET, seconds")
        parser.add_argument("--stop", required=True, type=float, help="stop MET, seconds")
        parser.add_argument("--bin", type=float, default=1.0, choices=BIN_SIZES, help="bin size, seconds")
        parser.add_argument("--output", required=True, help="FT2 FITS file to write")
        parser.add_argument("--data-qual", type=int, default=DEFAULT_DATA_QUAL, help="initial DATA_QUAL")
        parser.add_argument("--lat-config", type=int, default=DEFAULT_LAT_CONFIG, help="LAT_CONFIG value")
        parser.add_argument("--proc-ver", type=int, default=310, help="PROC_VER header value")
        # Django reserves --version for itself.
        parser.add_argument("--file-version", type=int, default=1, help="VERSION header value")
        parser.add_argument("--overwrite", action="store_true", help="replace an existing, different file")

    def handle(self, *args, **options):
        try:
            data = read_magic7(options["magic7"])
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
        )
        output = Path(options["output"])
        try:
            with atomic_output(output, overwrite=options["overwrite"]) as temporary:
                product = make_ft2(
                    data, options["start"], options["stop"], config, temporary, filename=output.name
                )
        except (Ft2Error, FileExistsError) as error:
            raise CommandError(str(error)) from error

        self.stdout.write(f"wrote {output}: {product.rows} rows, {product.tstart:.6f}..{product.tstop:.6f}")
        self.stdout.write(check_velocity_file(output).summary())
        for comment in product.comments:
            self.stdout.write(f"note: {comment}")
