"""`manage.py build_ppr`, run as an operator would: a separate process on the configured archive,
or in process on a product store served over HTTP."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from restore.ppr import read_ppr
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


def test_build_ppr_writes_a_ppr_that_parses(tmp_path):
    output = tmp_path / "PPR.xml"
    result = build_ppr("uid://A001/X12a3/X80e", "--output", str(output), "--root", "/restores")
    assert result.returncode == 0, result.stderr
    assert "SemiPass" in result.stdout
    request = read_ppr(output.read_bytes())
    assert request.intents["SESSION_1"] == "uid://A002/Xce574d/Xa33e"
    assert [asdm.eb_uid for asdm in request.asdms] == ["uid://A002/Xcf92df/X3453"]


def test_build_ppr_refuses_a_manually_calibrated_mous(tmp_path):
    output = tmp_path / "PPR.xml"
    result = build_ppr("uid://A001/X1465/X1c10", "--output", str(output))
    assert result.returncode != 0
    assert "calibrated manually" in result.stderr
    assert not output.exists()


def test_build_ppr_reads_an_http_product_store(http_store, tmp_path):
    output = tmp_path / "PPR.xml"
    printed = io.StringIO()
    call_command("build_ppr", X80E, "--output", str(output), "--products", http_store.url, stdout=printed)
    assert "SemiPass" in printed.getvalue()
    assert [asdm.eb_uid for asdm in read_ppr(output.read_bytes()).asdms] == ["uid://A002/Xcf92df/X3453"]
    assert "/member.uid___A001_X12a3_X80e.calimage.pipeline_manifest.xml" in http_store.requested
