"""Transitions per second on PostgreSQL (issue goal: at least 2,000/s on a 2-core machine).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/l2portal .venv/bin/python benchmarks/bench_transitions.py

Creates and drops its own database (<name>_bench). Measures 10,000 transitions as one object's
chain, across 10,000 objects one commit each, and across 10,000 objects with transition_many in
batches of 1,000 (one statement and commit per batch), and a floor in the same run: the same SQL
work (lock the row, update it, insert a history row, commit) issued as raw SQL without the ledger.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.benchdb import create_database  # noqa: E402

N = int(os.environ.get("BENCH_TRANSITIONS", 10_000))
BATCH = 1_000


def main():
    drop_database = create_database("bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "l2portal.settings")
    os.environ["L2PORTAL_LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_DEBUG", "false")  # production settings: no query logging wrapper
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from l2portal.ledger import services
    from l2portal.programs.models import ObservingProgram
    from pipelines.models import DataRun

    try:
        call_command("migrate", verbosity=0)
        actor = services.Actor.system("benchmark")

        run = DataRun.objects.create(run_id=1)
        chain = ("merging", "merged") * (N // 2)
        start = time.perf_counter()
        for state in chain:
            services.transition(run, state, actor, "bench")
        chain_rate = len(chain) / (time.perf_counter() - start)

        ObservingProgram.objects.bulk_create(
            ObservingProgram(execution_id=f"eid_{i}", state="discovered") for i in range(N)
        )
        programs = list(ObservingProgram.objects.order_by("pk"))
        start = time.perf_counter()
        for program in programs:
            services.transition(program, "invertible", actor, "bench")
        many_rate = N / (time.perf_counter() - start)

        batch_programs = ObservingProgram.objects.bulk_create(
            ObservingProgram(execution_id=f"batch_{i}", state="discovered") for i in range(N)
        )
        pks = [p.pk for p in batch_programs]
        start = time.perf_counter()
        for first in range(0, N, BATCH):
            services.transition_many(
                ObservingProgram, pks[first : first + BATCH], "invertible", actor, "bench"
            )
        batch_rate = N / (time.perf_counter() - start)

        # Floor: the same statements per transition, as raw SQL in one transaction each.
        floor_run = DataRun.objects.create(run_id=2)
        table, history = DataRun._meta.db_table, DataRun.transition_model()._meta.db_table
        start = time.perf_counter()
        for i, state in enumerate(chain):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(f"SELECT state FROM {table} WHERE id = %s FOR UPDATE", [floor_run.pk])
                cur.fetchone()
                cur.execute(
                    f"UPDATE {table} SET state = %s, state_changed_at = now() WHERE id = %s",
                    [state, floor_run.pk],
                )
                cur.execute(
                    f"INSERT INTO {history} (subject_id, from_state, to_state, at, actor, actor_task, "
                    "actor_task_id, reason, details) VALUES (%s, %s, %s, now(), 'floor', '', '', '', '{}')",
                    [floor_run.pk, chain[i - 1], state],
                )
        floor_rate = len(chain) / (time.perf_counter() - start)
    finally:
        connection.close()
        drop_database()

    print(f"transitions, one object's chain : {chain_rate:8.0f} /s  ({N} transitions)")
    print(f"transitions, {N} objects      : {many_rate:8.0f} /s")
    print(f"transitions, transition_many    : {batch_rate:8.0f} /s  (batches of {BATCH})")
    print(f"floor (raw SQL, same statements): {floor_rate:8.0f} /s")
    chain_ratio, many_ratio = chain_rate / floor_rate, many_rate / floor_rate
    print(f"ratio ledger/floor              : chain {chain_ratio:.2f}, many {many_ratio:.2f}")
    print(f"goal >= 2000/s                  : {'met' if min(chain_rate, many_rate) >= 2000 else 'NOT met'}")


if __name__ == "__main__":
    main()
