"""Database fixtures of the observing-program tests: demo programs driven by the real services."""

import contextlib

import pytest

from l2portal.ledger.roles import OPERATOR, SCIENTIST
from l2portal.programs import conf, demo, services
from l2portal.programs.models import ObservingProgram, Scan
from tests.factories import SYSTEM, user

N_PROGRAMS = len(demo.SCENARIOS)


@pytest.fixture
def scientist(db):
    return user("scientist", SCIENTIST)


@pytest.fixture
def other_scientist(db):
    return user("marie", SCIENTIST)


@pytest.fixture
def operator(db):
    return user("operator", OPERATOR)


@pytest.fixture
def loaded(db):
    """The demo programs, one per scenario, imported as an offline scan would."""
    services.import_records([demo.generate_records(N_PROGRAMS)], Scan.objects.create(source="test"), SYSTEM)
    return ObservingProgram.objects.order_by("execution_id")


def invertible(n: int = 0) -> ObservingProgram:
    return ObservingProgram.objects.get(execution_id=demo.program_id_for(n))


def write_sources(program: ObservingProgram, n_frames: int = 3) -> list:
    paths = []
    for dataset in program.datasets.filter(superseded=False, instrument_name="VISP"):
        paths += demo.write_l1_source(conf.l1_source(), dataset.to_inventory(), n_frames)
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
    return services.claim(preprocessed, scientist)


@contextlib.contextmanager
def inversion_files(folder, program: ObservingProgram, **options):
    """The three result files, open for reading, keyed as upload_inversion wants them."""
    files = demo.write_inversion_files(folder, program.execution_id, **options)
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
        services.upload_inversion(working, scientist, files, current_visp_ids(working), "3f9c2ab")
    working.refresh_from_db()
    assert working.state == "inverted"
    return working
