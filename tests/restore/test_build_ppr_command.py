"""`manage.py build_ppr`, run as an operator would: a separate process on the configured archive,
or in process on a product store served over HTTP."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from restore.science.pipeline_tasks import is_pipeline_task
from restore.science.ppr import read_ppr
from restore.science.restorescript import parse_restore_script
from tests.restore.conftest import X80E

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not (REPO / "manage.py").exists() or not (REPO / "l2portal" / "settings.py").exists(),
    reason="the Django project (manage.py, l2portal/settings.py) is not there yet",
)


def build_ppr(*args):
    return subprocess.run(
        [sys.executable, "manage.py", "build_ppr", *args],
        cwd=REPO,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "l2portal.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_build_ppr_writes_a_ppr_that_parses_and_the_script_the_route_needs(tmp_path):
    output, script = tmp_path / "PPR.xml", tmp_path / "restore_script.py"
    result = build_ppr(X80E, "--output", str(output), "--root", "/restores", "--script", str(script))
    assert result.returncode == 0, result.stderr
    assert "SemiPass" in result.stdout and "route: script" in result.stdout
    request = read_ppr(output.read_bytes())
    assert request.intents["SESSION_1"] == "uid://A002/Xce574d/Xa33e"
    assert [asdm.eb_uid for asdm in request.asdms] == ["uid://A002/Xcf92df/X3453"]
    assert all(is_pipeline_task(name) for name, _ in request.commands)
    assert "fixsyscaltimes" in [call.name for call in parse_restore_script(script.read_text()).calls]
    assert f"a restore runs the generated restore script instead: written to {script}" in result.stdout


def test_build_ppr_refuses_a_manually_calibrated_mous(tmp_path):
    output = tmp_path / "PPR.xml"
    result = build_ppr("uid://A001/X1465/X1c10", "--output", str(output))
    assert result.returncode != 0
    assert "calibrated manually" in result.stderr
    assert not output.exists()


def test_build_ppr_reads_from_ngas(ngas, tmp_path):
    output = tmp_path / "PPR.xml"
    printed = io.StringIO()
    call_command("build_ppr", X80E, "--output", str(output), "--products", ngas.base_url, stdout=printed)
    assert "SemiPass" in printed.getvalue() and "not written (give --script PATH)" in printed.getvalue()
    assert [asdm.eb_uid for asdm in read_ppr(output.read_bytes()).asdms] == ["uid://A002/Xcf92df/X3453"]
    manifest = "member.uid___A001_X12a3_X80e.calimage.pipeline_manifest.xml"
    assert [entry[:2] for entry in ngas.ngas.requests[:2]] == [("STATUS", manifest), ("RETRIEVE", manifest)]
