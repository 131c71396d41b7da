import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from astropy.io import fits

from pipelines.science import orbitgen

ROOT = Path(__file__).resolve().parents[2]
START = 545208791.0
FITSVERIFY = shutil.which("fitsverify")


def run_command(*arguments):
    # An unreachable database proves the command never touches one.
    environment = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none"}
    return subprocess.run(
        [sys.executable, "manage.py", "make_ft2", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def magic7_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "run.magic7.gz"
    orbitgen.write_magic7(path, START, START + 600, seed=2, malformed_per_kind=1)
    return path


@pytest.mark.parametrize("bin_seconds", ["1", "30"])
def test_make_ft2_writes_one_verified_file_without_a_database(magic7_file, tmp_path, bin_seconds):
    output = tmp_path / "products" / "out.fit"
    result = run_command(
        "--magic7", str(magic7_file), "--start", str(START), "--stop", str(START + 600),
        "--bin", bin_seconds, "--output", str(output),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "4 rejected" in result.stdout and "line " in result.stderr
    assert "velocity check PASS" in result.stdout
    with fits.open(output, checksum=True) as hdul:
        assert hdul[1].header["FILENAME"] == "out.fit"
        assert hdul[1].header["TSTART"] == START and hdul[1].header["TSTOP"] == START + 600
    assert [p.name for p in output.parent.iterdir()] == ["out.fit"]  # no temporary file left
    if FITSVERIFY:
        verify = subprocess.run([FITSVERIFY, "-q", "-e", str(output)], capture_output=True, text=True)
        assert verify.returncode == 0, verify.stdout


def test_make_ft2_reports_bad_requests_as_command_errors(magic7_file, tmp_path):
    output = tmp_path / "out.fit"
    result = run_command(
        "--magic7", str(magic7_file), "--start", str(START - 1000), "--stop", str(START + 600),
        "--output", str(output),
    )  # fmt: skip
    assert result.returncode != 0
    assert "ORB records cover" in result.stderr
    assert not output.exists()


def test_make_ft2_reports_unusable_magic7(tmp_path):
    bad = tmp_path / "bad.magic7"
    bad.write_text("not a magic7 line\n")
    output = str(tmp_path / "o.fit")
    result = run_command("--magic7", str(bad), "--start", "0", "--stop", "1", "--output", output)
    assert result.returncode != 0
    assert "no usable ORB" in result.stderr


def test_definitions_list_names_each_set_and_what_it_is():
    result = run_command("--definitions", "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["fermi-2014", "fermi-2019", "modern"]
    assert "IGRF-11" in lines[0] and "Ferrari" in lines[1] and "IERS" not in lines[1]


def test_the_definition_set_and_livetime_source_are_chosen_and_named(magic7_file, tmp_path):
    output = tmp_path / "out.fit"
    table = tmp_path / "live.csv"
    table.write_text(f"START,STOP,LIVETIME\n{START!r},{START + 600!r},500.0\n")
    result = run_command(
        "--magic7", str(magic7_file), "--start", str(START), "--stop", str(START + 600), "--bin", "30",
        "--output", str(output), "--definitions", "fermi-2014", "--livetime-table", str(table),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (
        "definitions fermi-2014 (IGRF-11" in result.stdout and "livetime from table live.csv" in result.stdout
    )
    header = fits.getheader(output, 1)
    assert header["FT2DEFS"] == "fermi-2014" and header["LIVETSRC"] == "table"
    assert fits.getdata(output, 1)["LIVETIME"].sum() == pytest.approx(500.0)


def test_a_file_without_livetime_is_written_with_a_warning_and_bad_choices_are_refused(magic7_file, tmp_path):
    output = tmp_path / "out.fit"
    common = ("--magic7", str(magic7_file), "--start", str(START), "--stop", str(START + 60))
    result = run_command(*common, "--output", str(output))
    assert result.returncode == 0 and "WARNING: no livetime source" in result.stdout
    assert fits.getheader(output)["LIVETSRC"] == "none"
    refused = run_command(*common, "--output", str(tmp_path / "b.fit"), "--definitions", "fermi-1999")
    assert refused.returncode != 0 and "unknown definition set 'fermi-1999'" in refused.stderr
    short = tmp_path / "short.csv"
    short.write_text(f"START,STOP,LIVETIME\n{START!r},{START + 30!r},25.0\n")
    refused = run_command(*common, "--output", str(tmp_path / "c.fit"), "--livetime-table", str(short))
    assert refused.returncode != 0
    assert "short.csv does not cover 31 bins: row 31 (545208820.6" in refused.stderr
    assert not (tmp_path / "c.fit").exists()
