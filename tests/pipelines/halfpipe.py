"""Builders for the downlink-processing tests: simulated downlinks in the incoming root, magic7 and
livetime tables covering their span, and a run of the whole chain in place."""

from pathlib import Path

from pipelines import conf, services
from pipelines.science import orbitgen
from pipelines.standins.downlinksim import Timeline, write_downlinks
from tests.factories import SYSTEM

# Two downlinks of three chunks; runs of 500 s, so runs cross the downlink boundary.
TIMELINE = Timeline(downlinks=2, downlink_seconds=600.0, chunks=3, run_seconds=500.0, retransmit_seconds=10.0)
MAGIC7_MARGIN = 100.0
LIVE_FRACTION = 0.9  # of every second, in the livetime tables registered


def simulate(timeline=TIMELINE, **options) -> list[Path]:
    return write_downlinks(conf.incoming_root(), timeline, **options)


def register_magic7_for(timeline=TIMELINE, tmp_path=None, livetime_runs=None) -> None:
    """One magic7 file over the whole timeline (with a margin), registered to its first run, and a
    livetime table over the same span registered to each run (or to ``livetime_runs``)."""
    start = timeline.start - MAGIC7_MARGIN
    stop = timeline.start + timeline.downlinks * timeline.downlink_seconds + MAGIC7_MARGIN
    folder = Path(tmp_path or conf.incoming_root())
    path = folder / "timeline.magic7"
    orbitgen.write_magic7(path, start, stop, seed=3)
    services.register_magic7(int(timeline.start), path, start, stop, SYSTEM)
    runs = timeline.run_starts().astype(int).tolist() if livetime_runs is None else livetime_runs
    register_livetime_for(runs, timeline, folder)


def register_livetime_for(runs, timeline=TIMELINE, folder=None) -> None:
    """A livetime table over the timeline (with the magic7's margin), registered to each run."""
    start = timeline.start - MAGIC7_MARGIN
    stop = timeline.start + timeline.downlinks * timeline.downlink_seconds + MAGIC7_MARGIN
    table = Path(folder or conf.incoming_root()) / "timeline_livetime.csv"
    orbitgen.write_livetime_table(table, start, stop, fraction=LIVE_FRACTION)
    for run_id in runs:
        services.register_input("livetime_table", run_id, table, SYSTEM)


def ingest(folder: Path, capture=None):
    """Ingest a downlink folder; with ``capture`` (django_capture_on_commit_callbacks) its tasks
    run in place as the commits happen."""
    if capture is None:
        return services.ingest_downlink(folder, SYSTEM)
    with capture(execute=True):
        return services.ingest_downlink(folder, SYSTEM)


CLEAN_RUN = """
import json, sys
from pathlib import Path
from tests.factories import SYSTEM
from tests.pipelines.halfpipe import ingest, register_magic7_for, simulate
from l2portal.registry.models import Product
register_magic7_for(tmp_path=sys.argv[1])
for folder in simulate():
    ingest(folder)
print(json.dumps(dict(Product.objects.values_list("path", "sha256"))))
"""


def clean_run_products(folder: Path, code: str = CLEAN_RUN) -> dict[str, str]:
    """{path: sha256} of every product of the simulated downlinks processed one after the other
    (or of what other ``code`` does with ``sys.argv[1]`` = ``folder``, printing the same JSON
    last), in a separate process on its own SQLite database and data root (``folder/data``) with
    tasks run in place (no broker)."""
    import json
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(L2PORTAL_VAR_DIR=str(folder), L2PORTAL_DATA_ROOT=str(folder / "data"), PYTHONPATH=str(root))
    env["L2PORTAL_RUN_TASKS_IN_PLACE"] = "true"
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )

    manage("migrate", "--noinput")
    (folder / "data" / "incoming").mkdir(parents=True, exist_ok=True)
    script = folder / "clean_run.py"
    script.write_text(code)
    output = manage(
        "shell", "-c", f"import sys; sys.argv = ['x', {str(folder)!r}]; exec(open({str(script)!r}).read())"
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def kill_hard(process) -> None:
    """SIGKILL a worker and its pool processes at once, as a machine losing power would (workers
    start in a process group of their own: tests/conftest.py's start_worker)."""
    import os
    import signal

    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
