"""Observing programs at scale on PostgreSQL: scan, rescan and the program list API; and the
publishing path on files: Level 2 frame generation and the local-copy transfer.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/l2portal .venv/bin/python benchmarks/bench_programs.py

Creates and drops its own database (<name>_bench_programs). Starts the local metadata store in a
subprocess with BENCH_PROGRAMS (default 10,000) demo programs (about 10.6 datasets each) and
measures, over real HTTP:

* the first scan with qualification (goal: at least 5,000 datasets/s), against a floor measured
  in the same run: fetching and parsing the same pages, plus COPY of the same rows into a
  copy of the dataset table (same indexes);
* a rescan with no change (goal: at least 20,000 datasets/s with zero writes to the programs'
  tables), against the fetch-and-parse floor;
* the program list API with BENCH_API_PROGRAMS (default 100,000) programs and BENCH_TRANSITIONS
  (default 1,000,000) history rows: p50/p99 over several filters and pages (goal: p99 at most
  100 ms) and the SQL query count per page (must be constant), against the same page read with
  raw SQL; the list's failure reasons come from one subquery;
* the pages people use at that scale (with BENCH_API_PROGRAMS executions, one per program): the
  program list (filters, sorts, pages), the scientists' queue, program pages, the dashboard, the
  runs list and the change log over all that history; p50/p99 of BENCH_PAGE_REQUESTS (default 20)
  requests per address (goal: p99 at most 200 ms) and the SQL query count per address (must be
  constant across the pages of one list), against the API part's floor;
* Level 2 frames written per second from an inversion of BENCH_L2_FRAMES (default 200) frames of
  100 slit bins, 61 depths and two lines of 60 wavelengths (units converted, headers derived from
  each frame's L1 header, WCS, checksums), against a floor writing the same arrays as plain FITS
  images in the same run;
* the local-copy transfer (SHA-256 of every file as it arrives, verified as written) in MB/s,
  against shutil.copyfile of the same files.
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.benchdb import create_database  # noqa: E402

N_PROGRAMS = int(os.environ.get("BENCH_PROGRAMS", 10_000))
N_API_PROGRAMS = int(os.environ.get("BENCH_API_PROGRAMS", 100_000))
N_L2_FRAMES = int(os.environ.get("BENCH_L2_FRAMES", 200))
N_TRANSITIONS = int(os.environ.get("BENCH_TRANSITIONS", 1_000_000))
API_REQUESTS = int(os.environ.get("BENCH_API_REQUESTS", 400))
PAGE_REQUESTS = int(os.environ.get("BENCH_PAGE_REQUESTS", 20))
PAGE_GOAL_MS = 200
OWNED = 20  # working programs the queue's scientist holds
WRITES = ("INSERT", "UPDATE", "DELETE", "COPY")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_store(port: int) -> subprocess.Popen:
    store = subprocess.Popen(
        [
            *(sys.executable, "-m", "l2portal.programs.standins.metadata_server"),
            *("--port", str(port), "--demo", "--demo-programs", str(N_PROGRAMS)),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    print(store.stdout.readline().strip(), flush=True)  # "metadata store with N datasets at URL"
    return store


class WriteCounter:
    """Counts the SQL statements that write, by table, through Django's execute wrapper."""

    def __init__(self):
        self.writes: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(WRITES):
            self.writes.append(sql[:80])
        return execute(sql, params, many, context)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def level2_figures(folder: Path) -> list[str]:
    """Frame generation and local-copy transfer, on files only."""
    import shutil

    import numpy as np
    from astropy.io import fits

    from l2portal.programs.science import level1, level2
    from l2portal.programs.science.inversion import validate_inversion_files
    from l2portal.programs.science.metadata import parse_dataset_inventory
    from l2portal.programs.science.transfer import (
        Endpoint,
        LocalCopyBackend,
        TransferItem,
        TransferJob,
        TransferWatch,
    )
    from l2portal.programs.standins import synthetic, synthetic_frames

    record = next(r for r in synthetic.generate_records(1) if r["productId"].endswith("visp-fe"))
    dataset = parse_dataset_inventory(record)
    l1_folder = synthetic_frames.dataset_folder(folder / "l1", dataset)
    synthetic_frames.write_l1_source(folder / "l1", dataset, N_L2_FRAMES)
    files = synthetic_frames.write_inversion_files(
        folder / "results", "bench", n_frames=N_L2_FRAMES, n_slit=100, n_depth=61, wavelengths_per_line=60
    )
    summary = validate_inversion_files(files)
    canonical = level1.canonical_frames(
        {dataset.dataset_id: l1_folder}, summary.fiducial_arm, summary.n_frames
    )
    geometry = level2.FrameGeometry(summary.pixels_per_bin, summary.log_tau_start, summary.log_tau_step)
    out = folder / "l2"
    out.mkdir()
    start = time.perf_counter()
    for index, l1_path in enumerate(canonical.paths):
        l1 = level1.frame_header(l1_path)
        level2.write_level2_frame(
            out / f"{index:05d}.fits",
            files,
            index,
            l1_path,
            l1,
            inversion_id="inv.BENCH1",
            geometry=geometry,
            header_version="L2.bench",
        )
    frames_seconds = time.perf_counter() - start
    floor_out = folder / "floor"
    floor_out.mkdir()
    start = time.perf_counter()
    with (
        fits.open(files.quantities, memmap=True) as q,
        fits.open(files.fit_profiles, memmap=True) as f,
        fits.open(files.original_profiles, memmap=True) as o,
    ):
        for index in range(N_L2_FRAMES):
            cube = np.asarray(q[0].data[:, :, index, :])
            images = [fits.ImageHDU(np.ascontiguousarray(plane.T)[None]) for plane in cube]
            images += [fits.ImageHDU(np.asarray(src[0].data[:, :, index, :]).T[None]) for src in (f, o)]
            fits.HDUList([fits.PrimaryHDU(), *images]).writeto(floor_out / f"{index:05d}.fits")
    floor_seconds = time.perf_counter() - start
    frame_mb = sum(p.stat().st_size for p in out.iterdir()) / 1e6

    class Quiet(TransferWatch):
        pass

    source = Endpoint(None, str(folder))
    job = TransferJob(
        "bench", source, Endpoint(None, str(folder / "bucket")), (TransferItem("l2", "data/l2"),)
    )
    start = time.perf_counter()
    LocalCopyBackend().run(job, Quiet())
    copy_seconds = time.perf_counter() - start
    (folder / "plain").mkdir()
    start = time.perf_counter()
    for path in sorted(out.iterdir()):
        shutil.copyfile(path, folder / "plain" / path.name)
    plain_seconds = time.perf_counter() - start
    return [
        f"Level 2 frames                    : {N_L2_FRAMES / frames_seconds:8.1f} frames/s "
        f"({N_L2_FRAMES} frames, {frame_mb:.0f} MB, {frames_seconds:.1f} s)",
        f"  floor plain FITS images         : {N_L2_FRAMES / floor_seconds:8.1f} frames/s; "
        f"ratio {floor_seconds / frames_seconds:.2f}",
        f"local-copy transfer, verified     : {frame_mb / copy_seconds:8.0f} MB/s",
        f"  floor shutil.copyfile           : {frame_mb / plain_seconds:8.0f} MB/s; "
        f"ratio {plain_seconds / copy_seconds:.2f}",
    ]


def add_runs_and_owner(scientist_id: int) -> None:
    """One Execution per program (statuses mixed, the failed ones with an error), and OWNED working
    programs held by the queue's scientist."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from l2portal.programs.models import ObservingProgram

    kind = ContentType.objects.get_for_model(ObservingProgram).pk
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_execution (uuid, site, task_name, task_id, parameters, subject_type_id, "
            "subject_id, software, host, worker, writing, started_at, finished_at, status, error, log_tail, "
            "log_file) "
            "SELECT gen_random_uuid(), 'bench', 'programs.preprocess', md5(p.id::text), "
            "jsonb_build_object('program', p.id), %s, p.id::text, '{\"numpy\": \"2\"}', "
            "'bench-host-' || (p.id %% 4), 'celery@bench', '[]', p.state_changed_at, "
            "p.state_changed_at + interval '42 seconds', "
            "(ARRAY['succeeded', 'succeeded', 'succeeded', 'failed', 'lost'])[1 + p.id %% 5], "
            "CASE WHEN p.id %% 5 = 3 THEN 'bench: no L1 frames' ELSE '' END, '', '' "
            "FROM programs_observingprogram p",
            [kind],
        )
        cursor.execute(
            "UPDATE programs_observingprogram SET owner_id = %s WHERE id IN "
            "(SELECT id FROM programs_observingprogram WHERE state = 'working' ORDER BY id LIMIT %s)",
            [scientist_id, OWNED],
        )
        cursor.execute("ANALYZE")


def page_figures(floor_p50: float) -> list[str]:
    """p50/p99 and queries of the pages at scale, by page, against the API part's floor."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from l2portal.ledger.roles import OPERATOR, SCIENTIST
    from l2portal.programs.models import ObservingProgram
    from tests.factories import user

    operator, scientist = Client(), Client()
    operator.force_login(user("bench-page-operator", OPERATOR))
    scientist_user = user("bench-scientist", SCIENTIST)
    scientist.force_login(scientist_user)
    add_runs_and_owner(scientist_user.pk)
    programs = [
        ObservingProgram.objects.filter(state=state).order_by("id").values_list("pk", flat=True).first()
        for state in ("invertible", "working", "published")
    ] + [ObservingProgram.objects.order_by("id").values_list("pk", flat=True).first()]  # a scanned one
    pages = {
        "program list": [
            "/programs/",
            "/programs/?page=40",
            "/programs/?sort=-ready_or_changed&page=3",
            "/programs/?state=preprocessed",
            "/programs/?state=working&sort=last_changed&page=5",
            "/programs/?proposal=pid_2_7",
            "/programs/?invertible=true&page=2",
            "/programs/?instrument=VISP",
            "/programs/?spectral_line=Fe%20I%20630&state=invertible",
        ],
        "queue": ["/programs/queue/"],
        "program page": [f"/programs/{pk}/" for pk in programs if pk],
        "dashboard": ["/"],
        "runs list": [
            "/registry/executions/",
            "/registry/executions/?page=40",
            "/registry/executions/?status=failed",
            "/registry/executions/?sort=-host&page=3",
            "/registry/executions/?host=bench-host-2&page=2",
        ],
        "change log": [
            "/registry/changes/",
            "/registry/changes/?page=40",
            "/registry/changes/?subject_model=programs.observingprogram",
            "/registry/changes/?actor=bench&page=3",
            f"/registry/changes/?subject_model=programs.observingprogram&subject_id={programs[0]}",
        ],
    }
    lines = []
    for name, urls in pages.items():
        client = scientist if name == "queue" else operator
        counts, by_url = {}, {url: [] for url in urls}
        for url in urls:
            assert client.get(url).status_code == 200, url  # warm: caches (content types) filled
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            counts[url] = len(queries)
        for _ in range(PAGE_REQUESTS):
            for url in urls:
                start = time.perf_counter()
                client.get(url)
                by_url[url].append(time.perf_counter() - start)
        timings = [seconds for url in urls for seconds in by_url[url]]
        p50, p99 = percentile(timings, 0.5) * 1000, percentile(timings, 0.99) * 1000
        slowest = max(urls, key=lambda url: statistics.median(by_url[url]))
        kinds = sorted(set(counts.values()))
        lines += [
            f"  {name:<32}: p50 {p50:6.1f} ms, p99 {p99:6.1f} ms, ratio p50 {p50 / floor_p50:5.1f}; "
            f"{len(urls)} addresses, queries {kinds} "
            f"({'constant' if len(kinds) == 1 else 'NOT constant'}); "
            f"goal p99 <= {PAGE_GOAL_MS} ms {'met' if p99 <= PAGE_GOAL_MS else 'NOT met'}",
            f"    slowest: {slowest} p50 {statistics.median(by_url[slowest]) * 1000:.1f} ms",
        ]
    return [
        f"pages                             : {ObservingProgram.objects.count()} programs, "
        f"{PAGE_REQUESTS} requests per address",
        *lines,
    ]


def main():
    drop_database = create_database("bench_programs")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "l2portal.settings")
    os.environ["L2PORTAL_LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_DEBUG", "false")  # production settings: no query logging wrapper
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from l2portal.ledger import services as ledger
    from l2portal.ledger.roles import OPERATOR
    from l2portal.programs import services
    from l2portal.programs.models import Dataset, ObservingProgram
    from l2portal.programs.science.metadata import MetadataClient
    from tests.factories import user

    store = None
    figures = []
    try:
        call_command("migrate", verbosity=0)
        actor = ledger.Actor.system("benchmark")
        port = free_port()
        store = start_store(port)
        store_url = f"http://127.0.0.1:{port}/graphql"

        # Floor 1: fetch and parse every page, nothing else.
        start = time.perf_counter()
        fetched = MetadataClient(store_url).dataset_inventories()
        fetch_seconds = time.perf_counter() - start
        n = len(fetched)

        start = time.perf_counter()
        scan = services.scan_store(actor, url=store_url)
        first_seconds = time.perf_counter() - start
        assert scan.new == n and scan.programs_qualified == ObservingProgram.objects.count()
        states = dict(ObservingProgram.objects.values_list("state").annotate(n=Count("pk")).order_by())
        n_programs = sum(states.values())

        # Floor 2: COPY the same dataset rows into a copy of the table (same indexes).
        columns = [f.column for f in Dataset._meta.concrete_fields if f.column != "id"]
        rows = list(Dataset.objects.values_list(*[f.attname for f in Dataset._meta.concrete_fields][1:]))
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_floor (LIKE programs_dataset INCLUDING ALL)")
        raw = connection.connection
        start = time.perf_counter()
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY bench_floor ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(
                    [psycopg.types.json.Jsonb(v) if isinstance(v, dict | list) else v for v in row]
                )
        raw.commit()
        copy_seconds = time.perf_counter() - start
        first_floor = n / (fetch_seconds + copy_seconds)

        counter = WriteCounter()
        start = time.perf_counter()
        with connection.execute_wrapper(counter):
            rescan = services.scan_store(actor, url=store_url)
        rescan_seconds = time.perf_counter() - start
        program_writes = [sql for sql in counter.writes if "programs_scan" not in sql]
        assert rescan.unchanged == n and rescan.new == rescan.updated == 0

        figures += [
            f"datasets                          : {n} in {n_programs} programs "
            f"({', '.join(f'{s} {c}' for s, c in sorted(states.items()))})",
            f"first scan + qualification        : {n / first_seconds:8.0f} datasets/s "
            f"({first_seconds:.1f} s)",
            f"  floor fetch+parse+COPY          : {first_floor:8.0f} datasets/s "
            f"(fetch+parse {fetch_seconds:.1f} s, COPY {copy_seconds:.1f} s); "
            f"ratio {n / first_seconds / first_floor:.2f}",
            f"  goal >= 5000/s                  : {'met' if n / first_seconds >= 5000 else 'NOT met'}",
            f"rescan, no change                 : {n / rescan_seconds:8.0f} datasets/s "
            f"({rescan_seconds:.1f} s), "
            f"{len(program_writes)} writes to program tables "
            f"({len(counter.writes) - len(program_writes)} to its own scan record)",
            f"  floor fetch+parse               : {n / fetch_seconds:8.0f} datasets/s; "
            f"ratio {fetch_seconds / rescan_seconds:.2f}",
            f"  goal >= 20000/s, 0 writes       : "
            f"{'met' if n / rescan_seconds >= 20000 and not program_writes else 'NOT met'}",
        ]
        store.terminate()
        store.wait()
        store = None

        # The list API at 100,000 programs and 1,000,000 transitions, added in SQL.
        existing = ObservingProgram.objects.count()
        history = ObservingProgram.transition_model()._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO programs_observingprogram (state, state_changed_at, created_at, execution_id,
                    proposal_id, experiment_id, instruments, instrument_program_ids, spectral_lines,
                    dataset_count, priority, needs_qualification, invertible, qualification, rules_version,
                    notes)
                SELECT (ARRAY['invertible', 'not_invertible', 'preprocessed', 'working', 'published'])
                        [1 + i %% 5],
                    now() - i * interval '1 minute', now(), 'eid_bench_op' || lpad(i::text, 7, '0'),
                    'pid_2_' || (i %% 50), 'eid_2_' || (i %% 50),
                    CASE WHEN i %% 3 = 0 THEN '["VBI"]' ELSE '["VBI", "VISP"]' END::jsonb, '[]'::jsonb,
                    CASE WHEN i %% 3 = 0 THEN '[]' ELSE '["Fe I 630", "Ca II 854"]' END::jsonb,
                    9, i %% 10, false, i %% 5 <> 1, '{"invertible": false, "checks": {}}'::jsonb, 'bench', ''
                FROM generate_series(1, %s) AS i
                """,
                [max(N_API_PROGRAMS - existing, 0)],
            )
            cursor.execute("SELECT min(id), max(id) FROM programs_observingprogram")
            low, high = cursor.fetchone()
            added = max(N_TRANSITIONS - ObservingProgram.transition_model().objects.count(), 0)
            cursor.execute(
                f"""
                INSERT INTO {history} (subject_id, from_state, to_state, at, actor, actor_task, actor_task_id,
                    reason, details)
                SELECT %s + (i %% (%s - %s + 1)), 'discovered', 'invertible',
                    now() - (%s - i) * interval '1 second', 'bench', '', '', '',
                    '{{}}'
                FROM generate_series(1, %s) AS i
                """,
                [low, high, low, added, added],
            )
            cursor.execute("ANALYZE")
        client = Client()
        client.force_login(user("bench-operator", OPERATOR))
        urls = [
            "/api/programs/",
            "/api/programs/?page=40",
            "/api/programs/?ordering=-priority",
            "/api/programs/?ordering=-state_changed_at&page=3",
            "/api/programs/?state=preprocessed",
            "/api/programs/?state=working&ordering=-priority&page=5",
            "/api/programs/?proposal=pid_2_7",
            "/api/programs/?invertible=true&page=2",
            "/api/programs/?instrument=VISP",
            "/api/programs/?spectral_line=Fe%20I%20630&state=invertible",
        ]
        query_counts = {}
        for page_url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(page_url).status_code == 200
            query_counts[page_url] = len(queries)
        timings, by_url = [], {page_url: [] for page_url in urls}
        for number in range(API_REQUESTS):
            page_url = urls[number % len(urls)]
            start = time.perf_counter()
            response = client.get(page_url)
            timings.append(time.perf_counter() - start)
            by_url[page_url].append(timings[-1])
            assert response.status_code == 200
        slowest = max(urls, key=lambda page_url: statistics.median(by_url[page_url]))
        # Floor: the same first page and its count, as raw SQL.
        floor = []
        with connection.cursor() as cursor:
            for _ in range(API_REQUESTS // 4):
                start = time.perf_counter()
                cursor.execute("SELECT count(*) FROM programs_observingprogram")
                cursor.fetchall()
                cursor.execute(
                    "SELECT p.*, u.username FROM programs_observingprogram p LEFT JOIN auth_user u "
                    "ON u.id = p.owner_id ORDER BY p.priority DESC, p.execution_id LIMIT 50"
                )
                cursor.fetchall()
                floor.append(time.perf_counter() - start)
            cursor.execute(f"SELECT count(*) FROM {history}")
            n_history = cursor.fetchone()[0]
        p50, p99 = percentile(timings, 0.5) * 1000, percentile(timings, 0.99) * 1000
        floor_p50 = statistics.median(floor) * 1000
        figures += [
            f"program list API                  : {ObservingProgram.objects.count()} programs, "
            f"{n_history} transitions, {API_REQUESTS} requests over {len(urls)} filters/pages",
            f"  p50 / p99                       : {p50:.1f} ms / {p99:.1f} ms "
            f"(slowest: {slowest} p50 {statistics.median(by_url[slowest]) * 1000:.1f} ms)",
            f"  floor (raw SQL page + count) p50: {floor_p50:.1f} ms; ratio p50 {p50 / floor_p50:.1f}",
            f"  SQL queries per page            : {sorted(set(query_counts.values()))} "
            f"({'constant' if len(set(query_counts.values())) == 1 else 'NOT constant'})",
            f"  goal p99 <= 100 ms              : {'met' if p99 <= 100 else 'NOT met'}",
        ]
        figures += page_figures(floor_p50)
        with tempfile.TemporaryDirectory(prefix="bench-l2-") as folder:
            figures += level2_figures(Path(folder))
    finally:
        if store is not None:
            store.terminate()
            store.wait()
        connection.close()
        drop_database()
    print("\n".join(figures))


if __name__ == "__main__":
    main()
