"""The stand-ins for CASA and for the ASDM export, run as the worker runs them: as processes."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from l2portal.files import sha256_file
from restore import archive
from restore.plan import load_plan
from restore.ppr import build_ppr
from restore.standin_export import export_asdm

REPO = Path(__file__).resolve().parents[2]
X80E = "uid://A001/X12a3/X80e"


def run_module(module, *args, env=None):
    return subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def staged(tmp_path):
    """A staged X80e restore: layout, products, exported ASDMs and the PPR."""
    connection = archive.connect(None)
    plan = load_plan(connection, X80E, archive.DEMO_PRODUCTS_DIR)
    layout = plan.layout(tmp_path / "root")
    layout.create()
    for product in plan.metadata.product_files:
        (layout.products / product.ngas_file_id).write_bytes(
            archive.read_product(archive.DEMO_PRODUCTS_DIR, product.ngas_file_id)
        )
    for eb in plan.dataset:
        export_asdm(eb, layout.rawdata)
    ppr = tmp_path / "PPR.xml"
    ppr.write_bytes(build_ppr(plan, root_directory=str(layout.root), creation_time=datetime.now(UTC)))
    env = {"SCIPIPE_ROOTDIR": str(layout.root), "SCIPIPE_LOGDIR": str(tmp_path / "logs")}
    return layout, ppr, env


def test_standin_casa_restores_a_staged_layout(staged):
    layout, ppr, env = staged
    result = run_module("restore.standin_casa", ppr, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Executing command ...hifa_restoredata" in result.stdout
    assert "Session: session_2  ASDM: uid___A002_Xcf92df_X3453" in result.stdout
    working = layout.working
    assert (working / "uid___A002_Xcf92df_X3453.ms" / "table.info").is_file()
    assert (working / "uid___A002_Xcf92df_X3453.ms.flagversions" / "FLAG_VERSION_LIST").is_file()
    assert list(working.glob("pipeline-*/html/index.html"))
    assert not list(working.glob("errorexit-*.txt"))
    assert not (working / "uid___A002_Xce574d_Xa33e.ms").exists()
    assert (layout.rawdata / "member.uid___A001_X12a3_X80e.calimage.pipeline_manifest.xml").is_file()
    (log,) = (Path(env["SCIPIPE_LOGDIR"])).glob("casa-*.log")
    assert "Terminating procedure execution" in log.read_text()


def test_standin_casa_fails_on_request(staged):
    layout, ppr, env = staged
    result = run_module("restore.standin_casa", ppr, env={**env, "STANDIN_CASA_FAIL": "1"})
    assert result.returncode != 0
    (errorexit,) = layout.working.glob("errorexit-*.txt")
    assert "Unhandled error in executeppr" in errorexit.read_text()


def test_standin_casa_fails_without_the_asdm(staged):
    layout, ppr, env = staged
    for path in sorted((layout.rawdata / "uid___A002_Xcf92df_X3453").iterdir()):
        path.unlink()
    result = run_module("restore.standin_casa", ppr, env=env)
    assert result.returncode != 0
    assert "ASDM uid___A002_Xcf92df_X3453 not found" in result.stdout
    assert list(layout.working.glob("errorexit-*.txt"))


def test_standin_casa_fails_when_products_miss_a_manifest_file(staged):
    layout, ppr, env = staged
    (layout.products / "uid___A002_Xcf92df_X3453.ms.flagversions.tgz").unlink()
    result = run_module("restore.standin_casa", ppr, env=env)
    assert result.returncode != 0
    assert "named by the pipeline manifest is not in" in result.stdout


def test_standin_casa_needs_scipipe_rootdir(staged):
    _, ppr, env = staged
    result = run_module("restore.standin_casa", ppr, env={**env, "SCIPIPE_ROOTDIR": ""})
    assert result.returncode != 0
    assert "SCIPIPE_ROOTDIR is not set" in result.stderr


def test_standin_export_is_deterministic(tmp_path):
    first = run_module("restore.standin_export", "uid://A002/Xcf92df/X3453", tmp_path / "a")
    assert first.returncode == 0, first.stderr
    export_asdm("uid://A002/Xcf92df/X3453", tmp_path / "b")
    export_asdm("uid://A002/Xcf92df/X3453", tmp_path / "b")  # a repeated export is a no-op
    names = ["ASDM.xml", "ExecBlock.xml", "Main.xml"]
    for directory in ("a", "b"):
        asdm = tmp_path / directory / "uid___A002_Xcf92df_X3453"
        assert sorted(path.name for path in asdm.iterdir()) == names
    assert [sha256_file(tmp_path / "a" / "uid___A002_Xcf92df_X3453" / name) for name in names] == [
        sha256_file(tmp_path / "b" / "uid___A002_Xcf92df_X3453" / name) for name in names
    ]


def test_standin_export_refuses_odd_uids(tmp_path):
    result = run_module("restore.standin_export", "uid://A002/../../etc", tmp_path)
    assert result.returncode == 1
    assert "not an ALMA EB uid" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_slow_standin_casa_can_be_cancelled(staged):
    _, ppr, env = staged
    process = subprocess.Popen(
        [sys.executable, "-m", "restore.standin_casa", str(ppr)],
        cwd=REPO,
        env={**os.environ, **env, "STANDIN_CASA_SLEEP": "60"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        for line in process.stdout:
            if line.startswith("Executing command"):
                break
        process.terminate()
        assert process.wait(timeout=10) != 0
    finally:
        process.kill()
        process.stdout.close()
