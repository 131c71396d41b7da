"""manage.py merge_events --output OUT.fits IN1.fits IN2.fits ...: merge FT1-layout event files
into one, sorted by TIME then EVENT_ID, each event (same TIME and EVENT_ID) once, every column
kept. Needs no database. Inputs need not be in time order (an unsorted one is sorted in memory
into a temporary file beside the output; sorted ones are streamed)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.core.management.base import CommandError

from l2portal.files import OutputExists, atomic_output
from l2portal.ledger.commands import PortalCommand
from pipelines.science.eventfile import EventFileError, open_event_file
from pipelines.science.eventmerge import DEFAULT_BUFFER_ROWS, merge_event_files, sorted_inputs


class Command(PortalCommand):
    help = "Merge event files (FT1 layout) into one, sorted by TIME then EVENT_ID, each event once."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("inputs", nargs="+", type=Path, help="event files with an EVENTS table")
        parser.add_argument("--output", required=True, type=Path, help="the merged file to write")
        parser.add_argument("--date", help="DATE written in the headers (default: now, UTC)")
        parser.add_argument("--buffer-rows", type=int, default=DEFAULT_BUFFER_ROWS, help="rows held at once")
        parser.add_argument("--overwrite", action="store_true", help="replace an existing, different file")

    def handle(self, *args, inputs, output, date, buffer_rows, overwrite, **options):
        date = date or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
        keywords = {"DATE": (date, "file creation date (UTC)"), "FILENAME": output.name}
        try:
            with tempfile.TemporaryDirectory(dir=output.parent or ".", prefix=".merge_events.") as scratch:
                sources = sorted_inputs([open_event_file(path) for path in inputs], scratch)
                with atomic_output(output, overwrite=overwrite) as temporary, open(temporary, "wb") as handle:
                    counts = merge_event_files(sources, handle, {**keywords}, buffer_rows=buffer_rows)
        except (EventFileError, OutputExists, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"wrote {output}: {counts.events} events from {counts.records} records of {len(inputs)} files "
            f"({counts.duplicates} seen more than once, written once); "
            f"TSTART {counts.tstart:.6f} TSTOP {counts.tstop:.6f}, {len(counts.gti)} GTIs"
        )
