"""Builders for the downlink-processing tests: simulated downlinks in the incoming root, magic7
covering their span, and a run of the whole chain in place."""

from pathlib import Path

from pipelines import conf, orbitgen, services
from pipelines.downlinksim import Timeline, write_downlinks
from tests.factories import SYSTEM

# Two downlinks of three chunks; runs of 500 s, so runs cross the downlink boundary.
TIMELINE = Timeline(downlinks=2, downlink_seconds=600.0, chunks=3, run_seconds=500.0, retransmit_seconds=10.0)
MAGIC7_MARGIN = 100.0


def simulate(timeline=TIMELINE, **options) -> list[Path]:
    return write_downlinks(conf.incoming_root(), timeline, **options)


def register_magic7_for(timeline=TIMELINE, tmp_path=None) -> None:
    """One magic7 file over the whole timeline (with a margin), registered to its first run."""
    start = timeline.start - MAGIC7_MARGIN
    stop = timeline.start + timeline.downlinks * timeline.downlink_seconds + MAGIC7_MARGIN
    path = Path(tmp_path or conf.incoming_root()) / "timeline.magic7"
    orbitgen.write_magic7(path, start, stop, seed=3)
    services.register_magic7(int(timeline.start), path, start, stop, SYSTEM)


def ingest(folder: Path, capture=None):
    """Ingest a downlink folder; with ``capture`` (django_capture_on_commit_callbacks) its tasks
    run in place as the commits happen."""
    if capture is None:
        return services.ingest_downlink(folder, SYSTEM)
    with capture(execute=True):
        return services.ingest_downlink(folder, SYSTEM)
