"""The operator CLI: ingest_downlink (once), merge_events (no database, the FSSC's FT1 file)."""

import subprocess

import numpy as np
import pytest
from astropy.io import fits
from django.core.management import CommandError, call_command

from pipelines.models import Downlink
from tests.pipelines.halfpipe import simulate

REFERENCE = "fermi/J0030+0451_w323_ft1weights.fits"


@pytest.mark.django_db
def test_ingest_downlink_registers_once(capsys):
    folder = simulate()[0]
    call_command("ingest_downlink", str(folder))
    assert "230401001: 3 chunks registered and queued for decoding" in capsys.readouterr().out
    call_command("ingest_downlink", str(folder))
    assert "was registered before" in capsys.readouterr().out
    assert Downlink.objects.count() == 1


@pytest.mark.django_db
def test_ingest_downlink_refuses_a_missing_folder(tmp_path):
    with pytest.raises(CommandError, match="not under PIPELINES_INCOMING_ROOT"):
        call_command("ingest_downlink", str(tmp_path / "nothing"))


@pytest.mark.conformance
def test_merge_events_merges_unordered_overlapping_files(reference_dir, tmp_path, capsys):
    reference = reference_dir / REFERENCE
    with fits.open(reference) as hdus:
        rows = hdus["EVENTS"].data
        for name, part in (("late.fits", rows[::-1][:20]), ("early.fits", rows[:10])):
            table = fits.BinTableHDU(part, header=hdus["EVENTS"].header)
            fits.HDUList([hdus[0].copy(), table, hdus["GTI"].copy()]).writeto(tmp_path / name)
        expected = np.asarray(rows[np.lexsort((rows["EVENT_ID"], rows["TIME"]))]).tobytes()
    output = tmp_path / "merged.fits"
    call_command(
        "merge_events", "--output", str(output), str(tmp_path / "late.fits"), str(tmp_path / "early.fits")
    )
    assert "wrote" in capsys.readouterr().out
    with fits.open(output) as merged:
        assert np.asarray(merged["EVENTS"].data).tobytes() == expected
    assert subprocess.run(["fitsverify", "-q", "-e", str(output)], capture_output=True).returncode == 0


def test_merge_events_names_a_file_that_is_not_an_event_file(tmp_path):
    fits.HDUList([fits.PrimaryHDU()]).writeto(tmp_path / "empty.fits")
    with pytest.raises(CommandError, match="no EVENTS extension"):
        call_command("merge_events", "--output", str(tmp_path / "out.fits"), str(tmp_path / "empty.fits"))
