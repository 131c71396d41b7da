"""Load held by the portal under gunicorn on PostgreSQL, and concurrent transitions.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/l2portal .venv/bin/python benchmarks/bench_load.py

Needs `wrk` (Debian package wrk) and gunicorn (a dev dependency). Creates and drops a database of
its own (<name>_load). Two parts:

1. 100 concurrent API clients for 60 s (BENCH_LOAD_SECONDS, BENCH_LOAD_CLIENTS) against gunicorn
   (BENCH_LOAD_WORKERS processes, default 2 x cores + 1): two reads for every write; the writes are
   claims and releases of observing programs by scientists (state transitions with their history,
   409 when another client won the program). Prints requests per second, p50/p99 latency and the
   answers by status class; a 5xx is a failure. The floor, measured the same way in the same run,
   is the API root with the same token: authentication and DRF with no portal work at all.
2. Transitions per second with 8 concurrent clients on different objects (processes, one
   connection each), against the same clients doing the same SQL as raw statements (the floor),
   and against one client sequentially; the goal is 5,000/s. BENCH_COMMIT_DELAY=<microseconds>
   (and BENCH_COMMIT_SIBLINGS, default 5) tries PostgreSQL's group commit on the benchmark's own
   database only (ALTER DATABASE ... SET commit_delay).
"""

import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.benchdb import create_database  # noqa: E402

SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", 60))
CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", 100))
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", 2 * (os.cpu_count() or 1) + 1))
PROGRAMS = 2_000
TRANSITION_CLIENTS = 8
TRANSITIONS_PER_CLIENT = int(os.environ.get("BENCH_TRANSITIONS_PER_CLIENT", 2_000))
GOAL = 5_000  # transitions per second with 8 concurrent clients (issue 15)
# Group commit on the benchmark's own database (ALTER DATABASE, never the server's settings):
# commit_delay microseconds, when at least commit_siblings other transactions are open.
COMMIT_DELAY = int(os.environ.get("BENCH_COMMIT_DELAY", 0))
COMMIT_SIBLINGS = int(os.environ.get("BENCH_COMMIT_SIBLINGS", 5))

# wrk scripts: answers counted by status class per thread and summed at the end, and a request
# function: the portal's (two reads for every write; claims and releases of random programs), or
# the floor's.
COUNTING = r"""
counts = {}
local threads = {}
ids = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  for i = 1, #args do ids[i] = args[i] end
  counts = {["2xx"] = 0, ["3xx"] = 0, ["4xx"] = 0, ["5xx"] = 0}
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
function response(status, headers, body)
  local class = tostring(math.floor(status / 100)) .. "xx"
  counts[class] = (counts[class] or 0) + 1
end
function done(summary, latency, requests)
  local total = {["2xx"] = 0, ["3xx"] = 0, ["4xx"] = 0, ["5xx"] = 0}
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("counts")) do total[k] = (total[k] or 0) + v end
  end
  io.write(string.format("STATUS %d %d %d %d\n", total["2xx"], total["3xx"], total["4xx"], total["5xx"]))
  io.write(string.format("LATENCY %f %f\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  io.write(string.format("RATE %f\n", summary.requests / (summary.duration / 1e6)))
end
"""
PORTAL_REQUESTS = r"""
function request()
  local id = ids[math.random(#ids)]
  local n = math.random(6)
  local headers = {["Authorization"] = "Token " .. TOKEN, ["Content-Type"] = "application/json"}
  if n <= 2 then return wrk.format("GET", "/api/programs/?state=preprocessed", headers)
  elseif n <= 4 then return wrk.format("GET", "/api/programs/" .. id .. "/", headers)
  elseif n == 5 then return wrk.format("POST", "/api/programs/" .. id .. "/claim/", headers, "")
  else return wrk.format("POST", "/api/programs/" .. id .. "/release/", headers, "") end
end
"""
FLOOR_REQUESTS = r"""
function request() return wrk.format("GET", "/api/", {["Authorization"] = "Token " .. TOKEN}) end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, token: str, server: subprocess.Popen, timeout: float = 180) -> None:
    """Until every worker has booted the API answers slowly or not at all: wait for real answers."""
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    deadline, answered = time.monotonic() + timeout, 0
    while answered < 2 * WORKERS:
        if server.poll() is not None or time.monotonic() > deadline:
            sys.exit("gunicorn did not start serving")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                answered += response.status == 200
        except OSError:
            time.sleep(0.5)


def run_wrk(url: str, script: Path, args: list[str]) -> dict:
    threads = min(4, CLIENTS)
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(CLIENTS),
            "-d",
            f"{SECONDS}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            url,
            "--",
            *args,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    status = [int(v) for v in re.search(r"STATUS (\d+) (\d+) (\d+) (\d+)", out).groups()]
    p50, p99 = (float(v) for v in re.search(r"LATENCY ([\d.]+) ([\d.]+)", out).groups())
    rate = float(re.search(r"RATE ([\d.]+)", out).group(1))
    return {
        "rate": rate,
        "p50_ms": p50,
        "p99_ms": p99,
        "2xx": status[0],
        "3xx": status[1],
        "4xx": status[2],
        "5xx": status[3],
    }


def _measure(port: int, token: str, ids: list[str], gunicorn: subprocess.Popen) -> tuple[dict, dict]:
    """The floor's figures, then the portal's."""
    wait_until_serving(f"http://127.0.0.1:{port}/api/", token, gunicorn)
    with tempfile.TemporaryDirectory() as folder:
        portal = Path(folder) / "portal.lua"
        portal.write_text(f'TOKEN = "{token}"\n' + COUNTING + PORTAL_REQUESTS)
        floor_script = Path(folder) / "floor.lua"
        floor_script.write_text(f'TOKEN = "{token}"\n' + COUNTING + FLOOR_REQUESTS)
        floor = run_wrk(f"http://127.0.0.1:{port}", floor_script, ["1"])
        return floor, run_wrk(f"http://127.0.0.1:{port}", portal, ids)


def load_part(database_url: str) -> None:
    from l2portal.ledger.roles import SCIENTIST
    from l2portal.portal.roles_setup import ensure_user
    from l2portal.programs.models import ObservingProgram

    ObservingProgram.objects.bulk_create(
        ObservingProgram(execution_id=f"eid_load_{i:05d}", proposal_id="pid_load", state="preprocessed")
        for i in range(PROGRAMS)
    )
    ids = [str(pk) for pk in ObservingProgram.objects.values_list("pk", flat=True)]
    user, _ = ensure_user("load", SCIENTIST, None)
    from rest_framework.authtoken.models import Token

    token = Token.objects.get_or_create(user=user)[0].key
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": "benchmark-only-" + "k" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_DEBUG": "false",
    }
    # Refusals (4xx) are logged as warnings, thousands of them here: the server's output goes to a
    # file, whose errors are shown.
    with tempfile.TemporaryFile(mode="w+") as server_log:
        gunicorn = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "l2portal.wsgi:application",
                "-w",
                str(WORKERS),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        try:
            floor, portal_figures = _measure(port, token, ids, gunicorn)
        finally:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=60)
            server_log.seek(0)
            errors = [line.rstrip() for line in server_log if " ERROR " in line or "Error" in line]
            if errors:
                print(f"server errors ({len(errors)} lines), the last:", *errors[-20:], sep="\n  ")
    print(f"load: {CLIENTS} clients, {SECONDS} s, gunicorn with {WORKERS} workers")
    print(
        f"  portal (2 reads : 1 claim/release) : {portal_figures['rate']:8.1f} req/s  "
        f"p50 {portal_figures['p50_ms']:.1f} ms  p99 {portal_figures['p99_ms']:.1f} ms  "
        f"2xx {portal_figures['2xx']}  4xx {portal_figures['4xx']}  5xx {portal_figures['5xx']}"
    )
    print(
        f"  floor (API root, same token)        : {floor['rate']:8.1f} req/s  p50 {floor['p50_ms']:.1f} ms  "
        f"p99 {floor['p99_ms']:.1f} ms"
    )
    print(f"  ratio portal/floor                  : {portal_figures['rate'] / floor['rate']:.2f}")
    print(f"  zero 5xx                            : {'met' if portal_figures['5xx'] == 0 else 'NOT met'}")


def _transitions_client(database_url: str, pks: list[int], raw: bool, ready, times) -> None:
    """One client: set up Django, wait for the others, move its runs open -> merging -> merged."""
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.db import connection, transaction

    from l2portal.ledger import services
    from pipelines.models import DataRun

    actor = services.Actor.system("benchmark")
    table, history = DataRun._meta.db_table, DataRun.transition_model()._meta.db_table
    connection.ensure_connection()
    ready.wait()
    start = time.time()
    for pk in pks:
        run = DataRun(pk=pk, state="open")
        for state in ("merging", "merged"):
            if not raw:
                services.transition(run, state, actor, "bench")
                continue
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(f"SELECT state FROM {table} WHERE id = %s FOR UPDATE", [pk])
                previous = cur.fetchone()[0]
                cur.execute(
                    f"UPDATE {table} SET state = %s, state_changed_at = now() WHERE id = %s", [state, pk]
                )
                cur.execute(
                    f"INSERT INTO {history} (subject_id, from_state, to_state, at, actor, actor_task, "
                    "actor_task_id, reason, details) VALUES (%s, %s, %s, now(), 'floor', '', '', '', '{}')",
                    [pk, previous, state],
                )
    times.put((start, time.time()))
    connection.close()


def transitions_part(database_url: str) -> None:
    from django.db import connection

    from pipelines.models import DataRun

    per_client = TRANSITIONS_PER_CLIENT // 2
    context = multiprocessing.get_context("spawn")
    if COMMIT_DELAY:
        with connection.cursor() as cursor:
            name = connection.ops.quote_name(connection.settings_dict["NAME"])
            cursor.execute(f"ALTER DATABASE {name} SET commit_delay = {COMMIT_DELAY}")
            cursor.execute(f"ALTER DATABASE {name} SET commit_siblings = {COMMIT_SIBLINGS}")

    def rate(clients: int, raw: bool, first_run: int) -> float:
        """Transitions per second from the first client's start to the last one's end, Python
        start-up and Django set-up excluded (the clients wait at a barrier first)."""
        runs = DataRun.objects.bulk_create(
            DataRun(run_id=first_run + i, state="open") for i in range(clients * per_client)
        )
        pks = [run.pk for run in runs]
        ready, times = context.Barrier(clients), context.Queue()
        processes = [
            context.Process(
                target=_transitions_client,
                args=(database_url, pks[n * per_client : (n + 1) * per_client], raw, ready, times),
            )
            for n in range(clients)
        ]
        for process in processes:
            process.start()
        spans = [times.get(timeout=600) for _ in processes]
        for process in processes:
            process.join()
        return clients * 2 * per_client / (max(end for _, end in spans) - min(start for start, _ in spans))

    sequential = rate(1, False, 10_000_000)
    concurrent = rate(TRANSITION_CLIENTS, False, 20_000_000)
    floor = rate(TRANSITION_CLIENTS, True, 30_000_000)
    group_commit = f"commit_delay {COMMIT_DELAY} us" if COMMIT_DELAY else "no commit_delay"
    print(
        f"transitions: {TRANSITION_CLIENTS} clients, different objects, {2 * per_client} each; {group_commit}"
    )
    print(f"  ledger, {TRANSITION_CLIENTS} concurrent clients        : {concurrent:8.0f} /s")
    print(f"  ledger, 1 client                    : {sequential:8.0f} /s")
    print(f"  floor (raw SQL, {TRANSITION_CLIENTS} concurrent clients) : {floor:8.0f} /s")
    print(f"  ratio ledger/floor                  : {concurrent / floor:.2f}")
    print(f"  ratio {TRANSITION_CLIENTS} clients/1 client            : {concurrent / sequential:.2f}")
    met = "met" if concurrent >= GOAL else f"NOT met, {GOAL - concurrent:.0f}/s short"
    print(f"  goal >= {GOAL}/s                      : {concurrent / GOAL:.2f} of it ({met})")


def main():
    if shutil.which("wrk") is None:
        sys.exit("install wrk (Debian package wrk) to run the load benchmark")
    drop_database = create_database("load")
    database_url = os.environ["DATABASE_URL"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "l2portal.settings")
    os.environ["L2PORTAL_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("migrate", verbosity=0)
        load_part(database_url)
        transitions_part(database_url)
    finally:
        connection.close()
        drop_database()


if __name__ == "__main__":
    main()
