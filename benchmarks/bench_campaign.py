"""A reprocessing campaign of 1,000 runs of 95 minutes (1-s and 30-s files) through two worker
processes on PostgreSQL and Redis, in both modes, against no-op Celery tasks measured in the same run
(issue goal: at least 20,000 runs per hour under fermi-2019 with every column computed).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/l2portal CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python benchmarks/bench_campaign.py

BENCH_RUNS sets the number of runs (default 1000). Creates and drops its own database
(<name>_campaign), and a data root and an input folder under the temporary folder (about 13 GB
for 1,000 runs), removed at the end.

1. Inputs: a magic7 file and a livetime table per run, written in parallel, then registered by
   name (register_ft2_inputs' service): the registration rate is printed.
2. The floor: 1,000 no-op Celery tasks (plain celery.Task) through two worker processes; then the
   same no-op through the ledger's task class (an Execution row and its heartbeat thread).
3. Generate mode: campaign P300 over every run under fermi-2019 (every derived column computed,
   the McIlwain field-line integrals included), LIVETIME from the tables: runs per hour.
4. Carry-forward mode: P300's files become the runs' current FT2 (FT2/current), then campaign
   P310 carries them forward (every column kept, SC_VELOCITY from magic7): runs per hour.
5. Where the time goes per run: a sample of runs processed again in this process, as a task runs
   them (an Execution with its heartbeat), each phase timed (inputs verified, parse, derive or
   carry, write, flag, fitsverify, other checks, registering the products, database); what the
   workers spent per run beyond that is the task's overhead and waiting (broker, Celery, the
   ledger's task class, other processes on the machine), printed against the no-op tasks. The CPU
   time the worker processes used is read from /proc: it says what the run rate would be with two
   cores to themselves.
"""

import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "l2portal.settings")

# The workers, the no-op floor and the waiting are the orchestration benchmark's own.
from benchmarks.bench_halfpipe_orchestration import (  # noqa: E402
    WORKERS,
    _noop_rate,
    _start_workers,
    _wait,
    app,
    noop,
    recorded_noop,
)

RUNS = int(os.environ.get("BENCH_RUNS", 1_000))
RUN_SECONDS = 5700.0  # 95 minutes of data
RUN_SPACING = 5760.0
FIRST_RUN = 545208791
SAMPLE = 20  # runs processed again in this process for the breakdown
VERIFY_PHASE = "verify inputs against the registry (size, sha256)"
VERIFY_GOAL = 0.05  # of a run's time
GOAL_RUNS_PER_HOUR = 20_000
CAMPAIGN_TIMEOUT = 7200.0  # s


def run_ids() -> list[int]:
    return [int(FIRST_RUN + n * RUN_SPACING) for n in range(RUNS)]


def write_inputs(arguments) -> None:
    """One run's magic7 file and livetime table (a worker of the input pool)."""
    folder, run_id = arguments
    from pipelines.science import orbitgen

    orbitgen.write_magic7(
        Path(folder) / f"magic7_r{run_id:010d}.txt", run_id, run_id + RUN_SECONDS, seed=run_id
    )
    # The table reaches past the run: its magic7 span ends at its last ORB record.
    orbitgen.write_livetime_table(
        Path(folder) / f"livetime_r{run_id:010d}.csv", run_id, run_id + RUN_SECONDS + 10
    )


def cpu_seconds(workers: list[subprocess.Popen]) -> float:
    """CPU time (user + system) the worker processes and their pool children have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [w.pid for w in workers]
    while pids:
        pid = pids.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue  # ended meanwhile
        total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / ticks
        pids += [int(child) for child in children]
    return total


def run_campaign(name: str, actor, workers, **options) -> tuple[float, float]:
    """Define and start a campaign over every run; seconds until it is validated, and the CPU
    seconds the workers used meanwhile."""
    from django.db.models import Count

    from pipelines import services
    from pipelines.models import ReprocessingCampaign

    ids = run_ids()
    campaign = services.create_campaign(name, actor, first_run=ids[0], last_run=ids[-1], **options)
    begin, cpu = time.perf_counter(), cpu_seconds(workers)
    services.start_campaign(campaign, actor)
    done = _wait(
        lambda: ReprocessingCampaign.objects.get(pk=campaign.pk).state in ("validated", "validating")
    )
    # The pass ends in validating and the campaign moves on to validated in the next transaction.
    settled = time.monotonic() + 60
    while campaign.state != "validated" and time.monotonic() < settled:
        time.sleep(0.5)
        campaign.refresh_from_db()
    if campaign.state != "validated":
        failed = campaign.campaign_runs.filter(state="error").first()
        reason = failed.transitions.last().reason if failed else "?"
        states = list(campaign.campaign_runs.values_list("state", "qa_passed").annotate(n=Count("pk")))
        sys.exit(f"{name} ended {campaign.state} (runs: {states}): {reason}")
    modes = set(campaign.campaign_runs.values_list("mode", flat=True))
    assert modes == {options.get("mode", "carry-forward")}, modes
    return done - begin, cpu_seconds(workers) - cpu


class Phases:
    """Seconds spent in each named phase, counted by wrapping the functions the services call."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self.originals = []

    def wrap(self, module, name: str, phase: str) -> None:
        original = getattr(module, name)
        self.originals.append((module, name, original))

        def timed(*args, **kwargs):
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[phase] += time.perf_counter() - began

        setattr(module, name, timed)

    def restore(self) -> None:
        for module, name, original in self.originals:
            setattr(module, name, original)


def breakdown(name: str, actor, **options) -> tuple[dict[str, float], float]:
    """A sample of runs processed in this process, each phase timed; seconds per run. The phases
    do not nest (files are made before write_product registers them); what is left is database
    work and the services' own Python."""
    from l2portal.ledger.execution import recording
    from pipelines import services
    from pipelines.ft2.services import campaign_flagging, campaign_ft2, campaign_validation, run_files

    ids = run_ids()[:SAMPLE]
    campaign = services.create_campaign(name, actor, run_ids=ids, **options)
    phases = Phases()
    phases.wrap(campaign_ft2, "read_magic7", "parse magic7")
    phases.wrap(campaign_ft2, "compute_ft2_pair", "derive every column")
    phases.wrap(campaign_ft2, "write_ft2", "write FITS")
    phases.wrap(campaign_ft2.carryforward, "carry_forward", "carry forward (read, velocity, write)")
    phases.wrap(campaign_flagging.bti, "flag_run", "flag as flagFT2 (read, write)")
    phases.wrap(campaign_validation, "run_fitsverify", "fitsverify")
    phases.wrap(campaign_validation, "check_velocity_file", "velocity check")
    phases.wrap(campaign_validation, "compare_with_previous", "comparison")
    phases.wrap(campaign_ft2.registry, "verify_inputs", VERIFY_PHASE)
    phases.wrap(run_files.registry, "write_product", "register products (move, hash, rows, heartbeat note)")
    began = time.perf_counter()
    try:
        for run in campaign.campaign_runs.order_by("pk"):
            # As a task runs it: an Execution that heartbeats and notes each file it writes.
            with recording(
                "pipelines.tasks.process_campaign_run", parameters={"args": [run.pk]}, worker="bench"
            ):
                services.process_campaign_run(run.pk, actor)
    finally:
        phases.restore()
    total = time.perf_counter() - began
    per_run = {phase: seconds / len(ids) for phase, seconds in phases.seconds.items()}
    per_run["database, Execution, the rest"] = (total - sum(phases.seconds.values())) / len(ids)
    return per_run, total / len(ids)


def report_mode(label: str, seconds: float, cpu: float, per_run: dict, service: float, floors: tuple):
    noop_rate, recorded_rate = floors
    rate = RUNS / seconds * 3600
    worker_per_run = seconds * WORKERS / RUNS
    overhead = worker_per_run - service
    noop_cost, ledger_cost = WORKERS / noop_rate, WORKERS / recorded_rate - WORKERS / noop_rate
    print(f"{label}: {RUNS:,} runs in {seconds:.1f} s = {rate:,.0f} runs per hour "
          f"({worker_per_run * 1000:.0f} ms of worker time per run)")  # fmt: skip
    for phase, value in sorted(per_run.items(), key=lambda item: -item[1]):
        print(f"    {phase:<52} {value * 1000:8.1f} ms  {value / worker_per_run:5.1%}")
    print(f"    {'broker, Celery, ledger, waiting (beyond the service)':<52} {overhead * 1000:8.1f} ms  "
          f"{overhead / worker_per_run:5.1%}")  # fmt: skip
    print(
        f"    a no-op Celery task costs {noop_cost * 1000:.1f} ms of worker time; through the ledger's task "
        f"class (Execution, heartbeat thread and its connection) {ledger_cost * 1000:.1f} ms more "
        f"({ledger_cost / worker_per_run:.1%} of a run)"
    )
    print(f"    per-run overhead against no-op Celery tasks: {overhead / noop_cost:.1f}x a no-op task")
    verify = per_run.get(VERIFY_PHASE, 0.0)
    verdict = "met" if verify / service < VERIFY_GOAL else "NOT met"
    print(
        f"    verifying inputs per run: {verify * 1000:.1f} ms, {verify / service:.1%} of a run "
        f"in one process (goal under {VERIFY_GOAL:.0%}: {verdict})"
    )
    print(
        f"    the workers used {cpu / RUNS * 1000:.0f} ms of CPU per run: {cpu / (seconds * WORKERS):.0%} of "
        f"their {WORKERS} cores' time (the rest went to other processes on the machine or waiting)"
    )
    allowed = WORKERS * 3600 / (cpu / RUNS)
    print(f"    at that CPU per run, {WORKERS} cores to themselves would make {allowed:,.0f} runs per hour")
    return rate


def _drop_when_free(drop, tries: int = 30) -> None:
    """Drop the benchmark's database once the workers' last connections have gone."""
    import psycopg

    for _ in range(tries - 1):
        try:
            return drop()
        except psycopg.errors.ObjectInUse:
            time.sleep(1)
    drop()


def main():
    from benchmarks.benchdb import portal_for_workers

    drop_database, data_root = portal_for_workers("campaign", PIPELINES_FT2_DEFINITIONS="fermi-2019")
    inputs = Path(tempfile.mkdtemp(prefix="bench_campaign_inputs."))  # registered from outside the data root
    from django.db import connections

    from l2portal.ledger.services import Actor
    from l2portal.registry import services as registry
    from pipelines import services

    workers = []
    try:
        actor = Actor.system("benchmark")
        began = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
            pool.map(write_inputs, [(str(inputs), run_id) for run_id in run_ids()], chunksize=8)
        written = time.perf_counter() - began
        began = time.perf_counter()
        registration = services.register_tree(inputs, actor)
        registered = time.perf_counter() - began
        assert registration.outcomes["registered"] == 2 * RUNS, registration.outcomes
        print(f"inputs: {RUNS:,} runs of {RUN_SECONDS / 60:.0f} min, a magic7 file and a livetime table "
              f"each, written in {written:.0f} s; registered by name in {registered:.0f} s "
              f"({2 * RUNS / registered:,.0f} files/s)")  # fmt: skip

        app.control.purge()
        workers = _start_workers(dict(os.environ))
        noop_rate = _noop_rate(noop)
        recorded_rate = _noop_rate(recorded_noop)
        print(f"no-op Celery tasks, {WORKERS} workers: {noop_rate:,.0f}/s (the floor)")
        print(f"no-op tasks through the ledger's task class (Execution, heartbeat): {recorded_rate:,.0f}/s")

        generated = run_campaign("P300", actor, workers, mode="generate", livetime_source="table")
        registry.set_chain("FT2/current", ["P300"], actor)  # P300 becomes the runs' current FT2
        carried = run_campaign("P310", actor, workers)
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        workers = []

        generate_phases, generate_service = breakdown("P301", actor, mode="generate", livetime_source="table")
        carry_phases, carry_service = breakdown("P311", actor)
        print(f"where the time goes per run (a sample of {min(SAMPLE, RUNS)} runs again in one process):")
        floors = noop_rate, recorded_rate
        rates = {
            "generate": report_mode(
                "generate mode, fermi-2019", *generated, generate_phases, generate_service, floors
            ),
            "carry-forward": report_mode("carry-forward mode", *carried, carry_phases, carry_service, floors),
        }
        for mode, rate in rates.items():
            verdict = "met" if rate >= GOAL_RUNS_PER_HOUR else "NOT met"
            print(f"goal >= {GOAL_RUNS_PER_HOUR:,} runs/h, {mode}: {verdict} ({rate:,.0f} runs/h, "
                  f"{rate / GOAL_RUNS_PER_HOUR:.2f}x the goal)")  # fmt: skip
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        connections.close_all()
        _drop_when_free(drop_database)
        shutil.rmtree(data_root, ignore_errors=True)
        shutil.rmtree(inputs, ignore_errors=True)


if __name__ == "__main__":
    main()
