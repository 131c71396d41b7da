"""The data registry at scale on PostgreSQL (issue 13): 1,000,000 products and 200,000 executions.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/l2portal .venv/bin/python benchmarks/bench_registry.py

Creates and drops databases of its own (<name>_bench_registry, <name>_bench_registry_import) and
a temporary data root. The registry: 19 RUN collections (C0 with 100,000 products, C1..C18 with
50,000 each); execution e writes 5 products (types t0..t4, data id run=e) and reads one product of
each of the three executions before it, so every product has a provenance many generations deep.
Goals and the floors measured in the same run:

- provenance graph of one product, depth 5 both ways: at most 50 ms    (floor: an indexed SELECT)
- lookup through the chain FT2/current = [C18, ..., C0], found last:   (floor: an indexed SELECT)
  at most 5 ms
- export of C0 (100,000 products, with their executions):              (floor: COPY of those rows
  at least 20,000 records/s                                              to the client)
- import of that export into an empty registry (files checked):        (floor: COPY of the same
  at least 10,000 records/s                                              rows into empty tables)

BENCH_PRODUCTS scales the registry down for a quick try (the goals are for the default).
"""

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.benchdb import create_database  # noqa: E402
from l2portal.registry import services as registry  # noqa: E402

PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", 1_000_000))
FIRST = PRODUCTS // 10  # C0, the exported collection
PER_RUN = (PRODUCTS - FIRST) // 18
PER_EXECUTION = 5
SAMPLES = 200


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def build_registry(connection, data_root: Path) -> list[str]:
    """The registry, written with SQL (ids fixed: product p is id p+1, execution e is id e+1), and
    the files of C0 under the data root. Returns the collection names, C0 first."""
    executions = PRODUCTS // PER_EXECUTION
    names = ["C0", *(f"C{n}" for n in range(1, 19))]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM ledger_instrument WHERE name = 'LAT'")
        lat = cursor.fetchone()[0]
        for n, name in enumerate(names):
            cursor.execute(
                "INSERT INTO ledger_collection (id, name, kind, description, created_at, uuid, site, host, "
                "began_at, ended_at, software) VALUES (%s, %s, 'run', '', now(), gen_random_uuid(), 'bench', "
                "'bench-host', now(), now(), '{}')",
                [n + 1, name],
            )
        cursor.execute(
            "INSERT INTO ledger_execution (id, uuid, site, task_name, task_id, parameters, subject_id, "
            "software, host, worker, writing, started_at, finished_at, status, error, log_tail, log_file) "
            "SELECT e + 1, gen_random_uuid(), 'bench', 'make', '', jsonb_build_object('e', e), '', "
            "'{\"numpy\": \"2\"}', 'bench-host', '', '[]', now(), now(), 'succeeded', '', '', '' "
            "FROM generate_series(0, %s) AS e",
            [executions - 1],
        )
        # Product p belongs to C0 below FIRST, else to C1 + (p - FIRST) / PER_RUN.
        cursor.execute(
            "INSERT INTO ledger_product (id, collection_id, path, product_type, size, sha256, "
            "produced_by_id, metadata, status, created_at, purge_reason, uuid, site, instrument_id, data_id, "
            "data_key, version, current) "
            "SELECT p + 1, c, 'C' || (c - 1) || '/C' || (c - 1) || '_' || p || '.dat', 't' || (p %% 5), "
            "octet_length(body), encode(sha256(body), 'hex'), p / 5 + 1, '{}', 'present', now(), '', "
            "gen_random_uuid(), 'bench', %s, jsonb_build_object('run', p / 5), 'LAT|run=' || (p / 5) || '|', "
            "1, true "
            "FROM (SELECT p, CASE WHEN p < %s THEN 1 ELSE LEAST(2 + (p - %s) / %s, 19) END AS c, "
            "convert_to('product ' || p || E'\\n', 'UTF8') AS body FROM generate_series(0, %s) AS p) AS rows",
            [lat, FIRST, FIRST, PER_RUN, PRODUCTS - 1],
        )
        cursor.execute(
            "INSERT INTO ledger_execution_inputs (execution_id, product_id) "
            "SELECT e + 1, 5 * (e - k) + 1 FROM generate_series(0, %s) AS e, generate_series(1, 3) AS k "
            "WHERE e - k >= 0",
            [executions - 1],
        )
        for table in ("ledger_collection", "ledger_execution", "ledger_product", "ledger_execution_inputs"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        cursor.execute("ANALYZE")
    folder = data_root / "C0"
    folder.mkdir(parents=True)
    for p in range(FIRST):
        (folder / f"C0_{p}.dat").write_bytes(f"product {p}\n".encode())
    return names


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def lat_here() -> int:
    from l2portal.registry.models import Instrument

    return Instrument.objects.get(name="LAT").pk


def timed(function, samples) -> list[float]:
    times = []
    for sample in samples:
        start = time.perf_counter()
        function(sample)
        times.append(time.perf_counter() - start)
    return times


def indexed_select(connection, ids) -> list[float]:
    def select(pk):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM ledger_product WHERE id = %s", [pk])
            cursor.fetchall()

    return timed(select, ids)


def copy_out(connection, rows_sql: list[str]) -> float:
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in rows_sql:
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT") as copy:
                for _ in copy:
                    pass
    return time.perf_counter() - start


def main():
    drop_database = create_database("bench_registry")
    source_url = os.environ["DATABASE_URL"]
    data_root = Path(tempfile.mkdtemp(prefix="bench-registry-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="l2portal.settings",
        L2PORTAL_LOG_LEVEL="WARNING",
        DJANGO_DEBUG="false",
        L2PORTAL_DATA_ROOT=str(data_root),
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from l2portal.ledger import services
    from l2portal.ledger.bulk import insert_rows
    from l2portal.ledger.models import Execution
    from l2portal.registry.models import Collection, Product
    from l2portal.registry.selectors import provenance_graph

    actor = services.Actor.system("benchmark")
    drop_import = None
    try:
        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        names = build_registry(connection, data_root)
        built = time.perf_counter() - start
        registry.set_chain("FT2/current", list(reversed(names)), actor)
        rng = random.Random(13)
        executions = PRODUCTS // PER_EXECUTION

        # Provenance of one product, depth 5 both ways.
        sample = [rng.randrange(PRODUCTS // 2, PRODUCTS) + 1 for _ in range(SAMPLES)]
        products = Product.objects.in_bulk(sample)
        sizes = []
        graph_times = timed(
            lambda pk: sizes.append(len(provenance_graph(products[pk], depth=5).products)), sample
        )
        select_times = indexed_select(connection, sample)

        # A lookup through the chain, found in its last collection.
        runs = [rng.randrange(0, FIRST // PER_EXECUTION) for _ in range(SAMPLES)]
        found = []
        lookup_times = timed(
            lambda run: found.append(registry.find_product("FT2/current", "t0", "LAT", {"run": run})), runs
        )
        assert all(p is not None and p.collection.name == "C0" for p in found)

        # Export of C0.
        exported = data_root / "c0.json"
        start = time.perf_counter()
        document = registry.export_registry(["C0"], exported, actor)
        export_time = time.perf_counter() - start
        records = sum(len(document[section]) for section in ("collections", "products", "executions"))
        c0 = Collection.objects.get(name="C0").pk
        floor_export = copy_out(
            connection,
            [
                f"SELECT * FROM ledger_product WHERE collection_id = {c0}",
                f"SELECT * FROM ledger_execution WHERE id IN (SELECT produced_by_id FROM ledger_product "
                f"WHERE collection_id = {c0})",
                f"SELECT * FROM ledger_execution_inputs WHERE execution_id IN (SELECT produced_by_id "
                f"FROM ledger_product WHERE collection_id = {c0})",
            ],
        )
        rows = {
            Product: list(Product.objects.filter(collection_id=c0).values()),
            Execution: list(Execution.objects.filter(outputs__collection_id=c0).distinct().values()),
        }
        links = list(
            Execution.inputs.through.objects.filter(execution__outputs__collection_id=c0).distinct().values()
        )

        # Import into an empty registry, then the floor: the same rows COPYed into empty tables.
        connection.close()
        drop_import = create_database("bench_registry_import")
        connection.settings_dict["NAME"] = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        result = registry.import_registry(exported, actor)
        import_time = time.perf_counter() - start
        imported = sum(result.written.values())
        assert result.written["products"] == len(document["products"])
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE ledger_execution_inputs, ledger_product, ledger_execution CASCADE")
        start = time.perf_counter()
        here = {"collection_id": Collection.objects.get(name="C0").pk, "instrument_id": lat_here()}
        insert_rows(Execution, rows[Execution])
        insert_rows(Product, [{**row, **here} for row in rows[Product]])
        insert_rows(Execution.inputs.through, links)
        floor_import = time.perf_counter() - start
    finally:
        connection.close()
        if drop_import is not None:
            drop_import()
        os.environ["DATABASE_URL"] = source_url
        drop_database()
        import shutil

        shutil.rmtree(data_root, ignore_errors=True)

    floor_records = len(rows[Product]) + len(rows[Execution]) + len(links)
    graph_mean, select_mean = statistics.mean(graph_times), statistics.mean(select_times)
    lookup_mean = statistics.mean(lookup_times)
    print(f"registry: {PRODUCTS} products, {executions} executions, built in {built:.0f} s")
    print(
        f"provenance, depth 5 both ways  : mean {ms(graph_mean)}, p95 {ms(p95(graph_times))} "
        f"({statistics.mean(sizes):.0f} products per graph)"
    )
    print(f"floor: indexed SELECT by id    : mean {ms(select_mean)}   ratio {graph_mean / select_mean:6.1f}")
    print(f"chained lookup (19 collections): mean {ms(lookup_mean)}, p95 {ms(p95(lookup_times))}")
    print(f"                                 ratio to the indexed SELECT {lookup_mean / select_mean:6.1f}")
    print(f"export of C0                   : {records / export_time:8.0f} records/s ({records} records)")
    print(
        f"floor: COPY of its rows out    : {floor_records / floor_export:8.0f} rows/s   ratio "
        f"{(records / export_time) / (floor_records / floor_export):.2f}"
    )
    print(f"import into an empty registry  : {imported / import_time:8.0f} records/s ({imported} records)")
    print(
        f"floor: COPY of its rows in     : {floor_records / floor_import:8.0f} rows/s   ratio "
        f"{(imported / import_time) / (floor_records / floor_import):.2f}"
    )
    goals = {
        "provenance <= 50 ms": graph_mean <= 0.050,
        "lookup <= 5 ms": lookup_mean <= 0.005,
        "export >= 20,000 records/s": records / export_time >= 20_000,
        "import >= 10,000 records/s": imported / import_time >= 10_000,
    }
    print("goals: " + ", ".join(f"{goal} {'met' if met else 'NOT met'}" for goal, met in goals.items()))


if __name__ == "__main__":
    main()
