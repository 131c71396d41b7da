"""manage.py carry_forward_ft2 on files made by the project's generator, without a database."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from astropy.io import fits

from pipelines.science import ft2, livetime, magic7, orbitgen

ROOT = Path(__file__).resolve().parents[2]
START = 545208791.0
STOP = START + 900.0


def run_command(*arguments):
    environment = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none"}
    return subprocess.run(
        [sys.executable, "manage.py", "carry_forward_ft2", *arguments],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    folder = tmp_path_factory.mktemp("previous")
    orbitgen.write_magic7(folder / "run.magic7.gz", START, STOP, seed=31)
    data = magic7.read_magic7(folder / "run.magic7.gz")
    one = ft2.compute_ft2(data, START, STOP, ft2.Ft2Config()).columns
    table = folder / "live.csv"
    rows = zip(one["START"].tolist(), one["STOP"].tolist(), strict=True)
    table.write_text(
        "\n".join([livetime.HEADER, *(f"{a!r},{b!r},{0.9 * (b - a)!r}" for a, b in rows)]) + "\n"
    )
    paths = {}
    for bin_seconds, label in ((1.0, "1s"), (30.0, "30s")):
        paths[label] = folder / ft2.product_filename(bin_seconds, "p202", 545208791, 1)
        config = ft2.Ft2Config(bin_seconds=bin_seconds, proc_ver=202, data_qual=1)
        ft2.make_ft2(data, START, STOP, config, paths[label], livetime=livetime.read_table(table))
    return folder, paths


def test_the_command_writes_both_versions_compared_and_checked(previous, tmp_path):
    folder, paths = previous
    bti_file = tmp_path / "bti.json"
    bti_file.write_text(json.dumps({"intervals": [{"start": START + 100, "stop": START + 130, "value": 0}]}))
    outputs = tmp_path / "gll_pt1s_p310_r0545208791_v002.fit", tmp_path / "gll_pt_p310_r0545208791_v002.fit"
    result = run_command(
        "--previous-1s", str(paths["1s"]), "--previous-30s", str(paths["30s"]),
        "--magic7", str(folder / "run.magic7.gz"), "--bti", str(bti_file), "--processing", "P310",
        "--file-version", "2", "--output-1s", str(outputs[0]), "--output-30s", str(outputs[1]),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "flagged 545208880.600000..545208940.600000" in result.stdout
    assert result.stdout.count("no column other than the allowed ones changed") == 2
    assert result.stdout.count("velocity check PASS") == 2
    for output in outputs:
        header = fits.getheader(output)
        assert header["VERSION"] == 2 and header["PROC_VER"] == 310 and header["FILENAME"] == output.name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["bti.json", *(o.name for o in outputs)])


def test_a_refused_carry_forward_writes_nothing(previous, tmp_path):
    folder, paths = previous
    bti_file = tmp_path / "bti.json"
    bti_file.write_text(json.dumps([{"start": STOP + 100, "stop": STOP + 130, "value": 0}]))
    result = run_command(
        "--previous-1s", str(paths["1s"]), "--previous-30s", str(paths["30s"]),
        "--magic7", str(folder / "run.magic7.gz"), "--bti", str(bti_file), "--processing", "P310",
        "--file-version", "2", "--output-1s", str(tmp_path / "a.fit"),
        "--output-30s", str(tmp_path / "b.fit"),
    )  # fmt: skip
    assert result.returncode != 0 and "overlaps no bin of the file" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["bti.json"]
