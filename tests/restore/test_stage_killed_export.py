"""An ASDM export killed half way (its worker lost with it) leaves temporary files in the ASDM
folder; staging again removes them and exports afresh."""

import sys

import pytest

from l2portal.ledger.services import Actor, retry
from restore.science.layout import disk_name

pytestmark = pytest.mark.django_db(transaction=True)

EB = "uid://A002/Xcf92df/X3453"
KILLED_EXPORT = """
import os, signal, sys
from pathlib import Path
asdm = Path(sys.argv[2]) / sys.argv[1].translate(str.maketrans(":/", "__"))
asdm.mkdir(parents=True, exist_ok=True)
(asdm / ".Main.xml.k1ll3d.part").write_bytes(b"half an ASDM")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_an_export_killed_half_way_leaves_nothing_once_staged_again(run_restore, settings, tmp_path):
    script = tmp_path / "killed_export.py"
    script.write_text(KILLED_EXPORT)
    settings.RESTORE_EXPORT_COMMAND = f"{sys.executable} {script}"
    restore = run_restore()
    assert restore.state == "error" and "export of" in restore.transitions.get(to_state="error").reason
    asdm = restore.layout.rawdata / disk_name(EB)
    assert [path.name for path in asdm.glob(".*.part")] == [".Main.xml.k1ll3d.part"]

    settings.RESTORE_EXPORT_COMMAND = ""  # the stand-in asdmExportLight again
    retry(restore, Actor.system("test"))
    restore.refresh_from_db()
    assert restore.state == "restored", restore.progress_note
    assert list(asdm.glob(".*.part")) == [] and (asdm / "ASDM.xml").is_file()
