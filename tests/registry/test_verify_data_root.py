"""manage.py verify_data_root: after a restore, the data root checked against the registry: a file
changed (in size, or in content at the same size), a file missing and a file nobody registered are
each listed, the command fails and the change log records it; partial writes and folders outside
the RUN collections are not the registry's."""

import io
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from l2portal.ledger.models import LedgerEvent
from l2portal.registry import services as registry
from tests.conftest import ROOT, database_url_of_this_run

pytestmark = pytest.mark.django_db


def products(data_root) -> dict[str, str]:
    """Four products in two RUN collections, written through the registry; name -> path."""
    written = {}
    for run, names in (("P310", ("a", "b", "c")), ("P311", ("d",))):
        collection = registry.get_run_collection(run)
        for name in names:
            product = registry.write_product(
                collection,
                registry.product_path(collection, f"{run}_{name}.txt"),
                "notes",
                lambda target, name=name: target.write_text(f"contents of {name}\n"),
            )
            written[name] = product.path
    return written


def verify(*args) -> tuple[str, str | None]:
    out = io.StringIO()
    try:
        call_command("verify_data_root", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None


def test_a_faithful_copy_passes(data_root):
    products(data_root)
    (data_root / "scratch").mkdir()
    (data_root / "scratch" / "frame.fits").write_bytes(b"not a product")  # outside every RUN folder
    out, failure = verify()
    assert failure is None
    assert out.strip() == (
        "the data root matches the registry: 4 products checked (4 by sha256): "
        "0 differ, 0 missing, 0 files not in the registry"
    )
    assert not LedgerEvent.objects.filter(kind="data_root_differs").exists()


def test_changed_missing_and_unregistered_files_are_listed_and_fail_the_command(data_root):
    paths = products(data_root)
    (data_root / paths["a"]).write_text("contents of A\n")  # same size, other bytes
    (data_root / paths["b"]).write_text("longer contents of b\n")
    (data_root / paths["d"]).unlink()
    (data_root / "P310" / "P310_stray.txt").write_text("copied in by hand\n")
    (data_root / "P310" / ".P310_e.txt.exec-7.x1y2.part").write_text("a write in progress")

    out, failure = verify()

    assert out.splitlines() == [
        f"differs: {paths['a']} (sha256 differs)",
        f"differs: {paths['b']} (size 21, registered 14)",
        f"missing: {paths['d']}",
        "unregistered: P310/P310_stray.txt",
    ]
    assert failure == (
        "the data root differs from the registry: 4 products checked (4 by sha256): "
        "2 differ, 1 missing, 1 files not in the registry"
    )
    event = LedgerEvent.objects.get(kind="data_root_differs")
    assert event.actor == "system: manage.py verify_data_root"
    assert event.details == {
        "differs": [paths["a"], paths["b"]],
        "missing": [paths["d"]],
        "unregistered": ["P310/P310_stray.txt"],
    }


def test_a_sample_reads_n_checksums_and_every_size(data_root):
    paths = products(data_root)
    (data_root / paths["b"]).write_text("longer contents of b\n")
    (data_root / paths["c"]).unlink()
    out, failure = verify("--sample", "1")
    assert out.splitlines() == [f"differs: {paths['b']} (size 21, registered 14)", f"missing: {paths['c']}"]
    assert "4 products checked (1 by sha256)" in failure


def test_a_sample_of_nothing_is_refused(data_root):
    _, failure = verify("--sample", "0")
    assert failure == "--sample 0: give a number of files, 1 or more"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_command_exits_non_zero_when_anything_differs(data_root):
    paths = products(data_root)
    environment = {
        **os.environ,
        "DATABASE_URL": database_url_of_this_run(),
        "L2PORTAL_DATA_ROOT": str(data_root),
        "PYTHONPATH": str(ROOT),
    }

    def run():
        command = [sys.executable, "manage.py", "verify_data_root"]
        return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True)

    assert run().returncode == 0
    (data_root / paths["a"]).unlink()
    failed = run()
    assert failed.returncode == 1
    assert failed.stdout.splitlines() == [f"missing: {paths['a']}"]
    assert "CommandError: the data root differs from the registry" in failed.stderr
