"""Database fixtures of the observing-program tests: demo programs driven by the real services.
The role users (scientist, other_scientist "marie", operator) come from tests/conftest.py."""

import contextlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from l2portal.ledger.services import Actor
from l2portal.programs import conf, services
from l2portal.programs.models import ObservingProgram, Scan
from l2portal.programs.science import inversion, level1, level2
from l2portal.programs.science.metadata import parse_dataset_inventory
from l2portal.programs.standins import synthetic, synthetic_frames
from l2portal.programs.standins.metadata_server import MetadataServer
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


L1_CACHE: dict = {}


@pytest.fixture(scope="session", autouse=True)
def l1_cache(tmp_path_factory):
    """Generated L1 datasets, kept for the session: the files are the same every time."""
    L1_CACHE["folder"] = tmp_path_factory.mktemp("l1-cache")
    yield
    L1_CACHE.clear()


def write_sources(program: ObservingProgram, n_steps: int = 3) -> list:
    """The program's current ViSP datasets at the local L1 source: ``n_steps`` raster steps of
    four Stokes files each."""
    paths = []
    root = Path(conf.l1_endpoint().root)
    for dataset in program.datasets.filter(superseded=False, instrument_name="VISP"):
        inventory = dataset.to_inventory()
        cached = synthetic_frames.dataset_folder(L1_CACHE["folder"] / str(n_steps), inventory)
        if not cached.is_dir():
            synthetic_frames.write_l1_source(L1_CACHE["folder"] / str(n_steps), inventory, n_steps)
        target = synthetic_frames.dataset_folder(root, inventory)
        shutil.copytree(cached, target, dirs_exist_ok=True)
        paths += sorted(target.iterdir())
    return paths


@pytest.fixture
def store(settings):
    """The local metadata store, configured as the portal's."""
    with MetadataServer() as server:
        settings.METADATA_STORE_URL = server.url
        yield server


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
    files = synthetic_frames.write_inversion_files(folder, program.execution_id, **options)
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


@dataclass
class Level2Inputs:
    files: object  # inversion.InversionFiles
    summary: object  # inversion.InversionSummary
    canonical: object  # level1.CanonicalFrames
    geometry: level2.FrameGeometry
    folders: dict


@pytest.fixture
def l2_inputs(tmp_path) -> Level2Inputs:
    """A program's three ViSP datasets as L1 files and an inversion of it, checked: what a Level 2
    frame is made of (no database)."""
    newest = {r["productId"]: r for r in synthetic.generate_records(1) if r["instrumentName"] == "VISP"}
    datasets = [parse_dataset_inventory(record) for record in newest.values()]
    folders = {}
    for dataset in datasets:
        synthetic_frames.write_l1_source(tmp_path / "l1", dataset, 3)
        folders[dataset.dataset_id] = synthetic_frames.dataset_folder(tmp_path / "l1", dataset)
    files = synthetic_frames.write_inversion_files(tmp_path / "results", "op", n_frames=3, n_depth=13)
    summary = inversion.validate_inversion_files(files)
    canonical = level1.canonical_frames(folders, summary.fiducial_arm, summary.n_frames)
    geometry = level2.FrameGeometry(summary.pixels_per_bin, summary.log_tau_start, summary.log_tau_step)
    return Level2Inputs(files, summary, canonical, geometry, folders)
