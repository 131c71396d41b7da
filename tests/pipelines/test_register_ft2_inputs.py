"""manage.py register_ft2_inputs: previous FT2 files, magic7 files and livetime tables registered
by their names over a directory tree, with progress; again, nothing changes; bad files refused alone."""

import io

import pytest
from django.core.management import CommandError, call_command

from l2portal.registry.models import Product
from l2portal.registry.services import absolute_path
from pipelines.ft2 import selectors
from pipelines.models import DataRun, Magic7Input
from pipelines.science import orbitgen
from pipelines.science.magic7 import read_magic7

from .conftest import RUNS
from .production import write_previous_ft2

pytestmark = pytest.mark.django_db
NEW_RUN = 545466791


def run_command(root) -> str:
    out = io.StringIO()
    call_command("register_ft2_inputs", str(root), stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def tree(magic7_runs, tmp_path):
    root = tmp_path / "mission"
    for number, run in enumerate(RUNS[:2]):
        folder = root / f"week{number}"
        folder.mkdir(parents=True)
        write_previous_ft2(folder, run)
    (root / "magic7").mkdir()
    orbitgen.write_magic7(root / "magic7" / f"magic7_r{NEW_RUN:010d}.txt.gz", NEW_RUN, NEW_RUN + 90.0, seed=4)
    orbitgen.write_livetime_table(root / "magic7" / f"livetime_r{NEW_RUN:010d}.csv", NEW_RUN, NEW_RUN + 100.0)
    (root / "README.txt").write_text("not an input\n")
    return root


def test_a_tree_is_registered_by_names_once(tree):
    output = run_command(tree)
    assert "7/7 files (100%)" in output
    assert (
        "7 files: 6 registered, 0 already registered, 0 refused, 1 not inputs "
        "(2 ft2_1s, 2 ft2_30s, 1 livetime_table, 1 magic7)"
    ) in output
    previous = selectors.previous_ft2(RUNS[0])
    assert previous.one_second.path == f"P202/gll_pt1s_p202_r0{RUNS[0]}_v001.fit"
    assert previous.thirty_second.metadata == {
        "run_id": RUNS[0], "source": f"gll_pt_p202_r0{RUNS[0]}_v001.fit", "version": 1, "processing": "P202"
    }  # fmt: skip
    assert previous.one_second.data_id == {"run": RUNS[0]} and previous.complete
    new = Magic7Input.objects.get(data_run__run_id=NEW_RUN)
    last_orb = read_magic7(absolute_path(new.product)).orb_met[-1]
    assert (new.met_start, new.met_stop) == (NEW_RUN, last_orb) and last_orb >= NEW_RUN + 90.0
    assert selectors.ft2_inputs.livetime_table(NEW_RUN).path.startswith(
        f"RAW/livetime/raw_livetime_r0{NEW_RUN}_"
    )
    products = sorted(Product.objects.values_list("path", "sha256"))
    again = run_command(tree)
    assert "7 files: 0 registered, 6 already registered, 0 refused, 1 not inputs" in again
    assert sorted(Product.objects.values_list("path", "sha256")) == products
    assert DataRun.objects.filter(run_id__in=[*RUNS[:2], NEW_RUN]).count() == 3


def test_a_file_that_cannot_be_used_is_refused_alone(tree):
    (tree / f"gll_pt1s_p202_r0{RUNS[2]}_v001.fit").write_bytes(b"not FITS at all")
    (tree / f"livetime_r{RUNS[2]:010d}.csv").write_text("START,STOP,LIVETIME\n1,2,5\n")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="2 files were refused; correct them and run it again"):
        call_command("register_ft2_inputs", str(tree), stdout=out, stderr=err)
    assert "6 registered, 0 already registered, 2 refused" in out.getvalue()
    assert f"gll_pt1s_p202_r0{RUNS[2]}_v001.fit not registered: no SC_DATA table" in err.getvalue()
    assert "LIVETIME outside [0, STOP-START] in 1 rows" in err.getvalue()
    assert selectors.previous_ft2(RUNS[2]) is None and selectors.previous_ft2(RUNS[1]).complete


def test_a_corrected_file_under_the_same_name_is_refused(tree):
    run_command(tree)
    target = tree / "week0" / f"gll_pt_p202_r0{RUNS[0]}_v001.fit"
    target.write_bytes(target.read_bytes()[:-2880] + b"\0" * 2880)
    with pytest.raises(CommandError, match="1 files were refused"):
        run_command(tree)


def test_the_data_root_is_never_registered_again(tree, data_root):
    run_command(tree)
    with pytest.raises(CommandError, match="is inside the data root"):
        run_command(data_root / "RAW")
    registered = sorted(Product.objects.values_list("path", flat=True))
    (data_root.parent / "extra").mkdir()
    output = run_command(data_root.parent)  # a tree holding the data root: its files are skipped
    assert sorted(Product.objects.values_list("path", flat=True)) == registered
    assert "0 registered" in output
