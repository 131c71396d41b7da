"""Orchestration of a downlink (issue goal: at most 5 ms of overhead per chunk, and at least 50% of
the throughput of no-op Celery tasks measured in the same run), on PostgreSQL, Redis and two
worker processes. Also shown: the same no-op through the ledger's task class, the cost every
recorded step pays before doing anything.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/l2portal CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python benchmarks/bench_halfpipe_orchestration.py

Creates and drops its own database (<name>_halfpipe). Starts two workers (one process each), then
measures: 1,000 no-op Celery tasks (plain celery.Task, counting in Redis: the floor); a downlink
of 1,000 chunks of a few events each through every step (ingest, decoding, fan-in, merge plan,
merges, Level 1); and the decoding work alone in this process. Overhead per chunk: the worker time
the chunks took beyond their decoding, (wall time x 2 workers - decoding work) / chunks.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "l2portal.settings")

from celery import Task  # noqa: E402

from l2portal.celery import app  # noqa: E402

CHUNKS = int(os.environ.get("BENCH_CHUNKS", 1_000))
NOOPS = CHUNKS
WORKERS = 2
COUNTER = "bench_halfpipe_noops"


@app.task(name="bench.halfpipe_noop", base=Task, ignore_result=True)
def noop() -> None:
    """The floor's task: nothing but counting itself done."""
    _redis().incr(COUNTER)


@app.task(name="bench.halfpipe_recorded_noop", ignore_result=True)
def recorded_noop() -> None:
    """The same through the ledger's task class (an Execution, its heartbeat): what every step
    pays before it does anything."""
    _redis().incr(COUNTER)


def _redis():
    import redis

    return redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])


def _start_workers(env: dict) -> list[subprocess.Popen]:
    from l2portal.portal.site import queues

    workers = []
    for n in range(WORKERS):
        command = [sys.executable, "-m", "celery", "-A", "l2portal", "worker", "-Q", ",".join(queues())]
        command += [
            "-n",
            f"bench{n}-{os.getpid()}@%h",
            "--concurrency",
            "1",
            "--pool",
            "prefork",
            "-l",
            "warning",
        ]
        command += ["--without-mingle", "--without-gossip", "-I", "benchmarks.bench_halfpipe_orchestration"]
        workers.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL))
    names = {f"bench{n}-{os.getpid()}@{os.uname().nodename}" for n in range(WORKERS)}
    deadline = time.monotonic() + 60
    while {name for reply in app.control.ping(timeout=0.5) or [] for name in reply} < names:
        if time.monotonic() > deadline:
            sys.exit("workers did not answer within 60 s")
    return workers


def _wait(predicate, timeout=600.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            sys.exit("timed out")
        time.sleep(0.02)
    return time.perf_counter()


def _noop_rate(task) -> float:
    _redis().delete(COUNTER)
    start = time.perf_counter()
    for _ in range(NOOPS):
        task.apply_async()
    end = _wait(lambda: int(_redis().get(COUNTER) or 0) >= NOOPS)
    return NOOPS / (end - start)


def _decoding_work(folder: Path) -> float:
    """The decoding the chunk tasks do (read, check, split by run, write), alone, one process."""
    from pipelines.science import rawchunk
    from pipelines.science.chunkevents import split_by_run
    from pipelines.science.eventfile import write_ft1
    from pipelines.science.retdef import parse_retdef

    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        for path in sorted(folder.glob("RetDef-*.xml")):
            retdef = parse_retdef(path.read_bytes(), path.name)
            chunk = rawchunk.decode((folder / retdef.chunk_file).read_bytes(), retdef.chunk_file)
            rows = rawchunk.to_ft1(chunk.records)
            for part in split_by_run(rows, retdef.start, retdef.stop, retdef.runs, retdef.chunk_file):
                with open(Path(scratch) / f"{retdef.chunk}-{part.run_id}.fits", "wb") as handle:
                    write_ft1(handle, part.rows, part.coverage, {"DATE": "2023-04-01T00:00:00"})
        return time.perf_counter() - start


def main():
    from benchmarks.benchdb import portal_for_workers

    drop_database, data_root = portal_for_workers("halfpipe")
    from django.db import connections

    from l2portal.ledger.services import Actor
    from pipelines import conf, services
    from pipelines.models import Chunk, Downlink
    from pipelines.science import orbitgen
    from pipelines.standins.downlinksim import Timeline, write_downlinks

    workers = []
    try:
        actor = Actor.system("benchmark")
        timeline = Timeline(
            downlinks=1,
            downlink_seconds=2.0 * CHUNKS,
            chunks=CHUNKS,
            run_seconds=CHUNKS,
            retransmit_seconds=0.5,
        )
        for root in (conf.incoming_root(), conf.staging_root(), conf.output_root()):
            root.mkdir(parents=True, exist_ok=True)
        folder = write_downlinks(conf.incoming_root(), timeline, seed=1)[0]
        start, stop = timeline.start - 100, timeline.start + timeline.downlink_seconds + 100
        magic7 = data_root / "bench.magic7"
        orbitgen.write_magic7(magic7, start, stop, seed=1)
        services.register_magic7(int(timeline.start), magic7, start, stop, actor)
        table = data_root / "bench_livetime.csv"  # Level 1 holds a run without its livetime
        orbitgen.write_livetime_table(table, start, stop)
        for run_id in timeline.run_starts().astype(int).tolist():
            services.register_input("livetime_table", run_id, table, actor)
        work = _decoding_work(folder)

        app.control.purge()
        workers = _start_workers(dict(os.environ))
        noop_rate = _noop_rate(noop)
        recorded_rate = _noop_rate(recorded_noop)

        begin = time.perf_counter()
        downlink, _ = services.ingest_downlink(folder, actor)
        chunks_done = _wait(lambda: Chunk.objects.filter(downlink=downlink, state="done").count() == CHUNKS)
        finished = _wait(lambda: Downlink.objects.get(pk=downlink.pk).state in ("done", "error"))
        state = Downlink.objects.get(pk=downlink.pk).state
        chunk_seconds, total = chunks_done - begin, finished - begin
        chunk_rate = CHUNKS / chunk_seconds
        overhead_ms = (chunk_seconds * WORKERS - work) / CHUNKS * 1000
        ratio = chunk_rate / noop_rate
        print(f"no-op Celery tasks, {WORKERS} workers: {noop_rate:,.0f}/s (the floor)")
        print(f"no-op tasks recorded by the ledger (Execution, heartbeat): {recorded_rate:,.0f}/s")
        rate = f"{chunk_rate:,.0f} chunks/s"
        print(f"downlink of {CHUNKS:,} chunks: decoded in {chunk_seconds:.2f} s ({rate}), "
              f"through merge and Level 1 in {total:.2f} s ({state})")  # fmt: skip
        print(f"decoding work alone: {work / CHUNKS * 1000:.2f} ms per chunk")
        verdict = "OK" if overhead_ms <= 5 else "ABOVE GOAL"
        print(f"overhead per chunk: {overhead_ms:.2f} ms (goal <= 5 ms) {verdict}")
        verdict = "OK" if ratio >= 0.5 else "BELOW GOAL"
        print(f"throughput ratio to no-op tasks: {ratio:.2f} (goal >= 0.50) {verdict}")
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        connections.close_all()
        drop_database()


if __name__ == "__main__":
    main()
