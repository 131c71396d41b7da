"""Database fixtures of the observing-program tests: demo programs driven by the real services.
The role users (scientist, other_scientist "marie", operator) come from tests/conftest.py."""

import contextlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from l2portal.ledger.services import Actor
from l2portal.programs import conf, services, synthetic
from l2portal.programs.models import ObservingProgram, Scan
from tests.factories import SYSTEM

N_PROGRAMS = len(synthetic.SCENARIOS)


@pytest.fixture
def loaded(db):
    """The demo programs, one per scenario, imported as an offline scan would."""
    services.import_records(
        [synthetic.generate_records(N_PROGRAMS)], Scan.objects.create(source="test"), SYSTEM
    )
    return ObservingProgram.objects.order_by("execution_id")


def invertible(n: int = 0) -> ObservingProgram:
    return ObservingProgram.objects.get(execution_id=synthetic.program_id_for(n))


def add_programs(first: int, count: int) -> None:
    """Demo programs number ``first`` to ``first + count - 1``, imported as a scan would."""
    wanted = {synthetic.program_id_for(i) for i in range(first, first + count)}
    records = [
        record
        for record in synthetic.generate_records(first + count)
        if record["observingProgramExecutionId"] in wanted
    ]
    services.import_records([records], Scan.objects.create(source="test"), SYSTEM)


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def assert_queries_do_not_grow_with_programs(client, owner, url) -> None:
    """``url`` costs as many queries with 30 programs as with 10 (all owned by ``owner``)."""
    add_programs(0, 10)
    ObservingProgram.objects.update(owner=owner)
    client.force_login(owner)
    before = query_count(client, url)
    add_programs(10, 20)
    ObservingProgram.objects.update(owner=owner)
    assert query_count(client, url) == before


def write_sources(program: ObservingProgram, n_frames: int = 3) -> list:
    paths = []
    for dataset in program.datasets.filter(superseded=False, instrument_name="VISP"):
        paths += synthetic.write_l1_source(conf.l1_source(), dataset.to_inventory(), n_frames)
    return paths


@pytest.fixture
def preprocessed(loaded):
    program = invertible(0)
    write_sources(program)
    services.run_preprocess(program.pk, SYSTEM)
    program.refresh_from_db()
    assert program.state == "preprocessed"
    return program


@pytest.fixture
def working(preprocessed, scientist):
    return services.claim(preprocessed, Actor.of_user(scientist))


@contextlib.contextmanager
def inversion_files(folder, program: ObservingProgram, **options):
    """The three result files, open for reading, keyed as upload_inversion wants them."""
    files = synthetic.write_inversion_files(folder, program.execution_id, **options)
    paths = (files.quantities, files.fit_profiles, files.original_profiles)
    with contextlib.ExitStack() as stack:
        yield {
            kind: stack.enter_context(open(path, "rb"))
            for kind, path in zip(services.INVERSION_FILE_KINDS, paths, strict=True)
        }


def current_visp_ids(program: ObservingProgram) -> list[str]:
    return list(
        program.datasets.filter(superseded=False, instrument_name="VISP").values_list("dataset_id", flat=True)
    )


@pytest.fixture
def inverted(working, scientist, tmp_path):
    with inversion_files(tmp_path / "results", working) as files:
        services.upload_inversion(
            working, Actor.of_user(scientist), files, current_visp_ids(working), "3f9c2ab"
        )
    working.refresh_from_db()
    assert working.state == "inverted"
    return working
