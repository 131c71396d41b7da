"""Re-running into the same RUN (the LSST Gen3 Butler notes, DM-20845): what exists and verifies is
skipped, nothing is replaced silently, a forced re-run writes a new version beside the old one, and a
product whose file went missing is recorded purged, then written again at its path."""

import pytest

from l2portal.files import sha256_file
from l2portal.ledger.execution import recording
from l2portal.ledger.models import LedgerEvent
from l2portal.registry import services as registry
from l2portal.registry.models import Product

pytestmark = pytest.mark.django_db


class Writer:
    """A product's writer that counts its calls."""

    def __init__(self, text: str):
        self.text, self.calls = text, 0

    def __call__(self, tmp):
        self.calls += 1
        tmp.write_text(self.text)


def ft2(writer: Writer, **options) -> Product:
    run = registry.get_run_collection("P310")
    return registry.write_product(
        run,
        registry.product_path(run, "P310_ft2_r1.fit"),
        "ft2_1s",
        writer,
        instrument="LAT",
        data_id={"run": 1},
        **options,
    )


def test_a_rerun_skips_a_product_that_exists_and_verifies(data_root):
    first = ft2(Writer("v1"))
    again = Writer("v1 again")
    assert ft2(again) == first
    assert again.calls == 0  # not even written to a temporary file
    assert (data_root / first.path).read_text() == "v1"


@pytest.mark.parametrize(
    ("change", "problem"), [("v1 changed", "sha256 differs"), ("longer text", "size 11")]
)
def test_a_file_that_differs_from_its_registration_is_refused_and_left_alone(data_root, change, problem):
    first = ft2(Writer("v1 text!!!"))
    (data_root / first.path).write_text(change)
    rerun = Writer("new")
    with pytest.raises(
        registry.ProductConflict, match=f"differs from its registration .*{problem}.* nothing was replaced"
    ):
        ft2(rerun)
    assert rerun.calls == 0 and (data_root / first.path).read_text() == change
    assert Product.objects.get() == first
    assert LedgerEvent.objects.filter(kind="product_conflict", subject_id=str(first.pk)).exists()


def test_a_forced_rerun_writes_a_new_version_and_keeps_the_old_one(data_root):
    first = ft2(Writer("v1"))
    second = ft2(Writer("v2"), force=True)
    third = ft2(Writer("v3"), force=True)
    assert [second.path, third.path] == ["P310/P310_ft2_r1.v2.fit", "P310/P310_ft2_r1.v3.fit"]
    assert (second.version, second.replaces, third.version, third.replaces) == (2, first, 3, second)
    first.refresh_from_db()
    assert first.status == Product.Status.PRESENT and not first.current
    assert (data_root / first.path).read_text() == "v1" and (data_root / third.path).read_text() == "v3"
    assert registry.find_product("P310", "ft2_1s", "LAT", {"run": 1}) == third
    assert ft2(Writer("v4 not forced")) == third  # a re-run without force finds the current version
    assert LedgerEvent.objects.filter(kind="product_version_written").count() == 2


def test_a_product_whose_file_went_missing_is_purged_then_written_again_at_its_path(data_root):
    with recording("make_ft2") as before:
        first = ft2(Writer("same bytes"))
    (data_root / first.path).unlink()
    with recording("make_ft2") as rerun:
        again = ft2(Writer("same bytes"))
    assert again.pk != first.pk and again.path == first.path and again.replaces == first
    assert sha256_file(data_root / again.path) == first.sha256
    first.refresh_from_db()
    assert first.status == Product.Status.PURGED and not first.current
    assert first.purge_reason == "its file was missing when it was written again"
    assert (first.produced_by, again.produced_by) == (before, rerun)  # both runs' provenance stays
    kinds = list(LedgerEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds[-2:] == ["product_file_missing", "product_rewritten"]
    assert registry.find_product("P310", "ft2_1s", "LAT", {"run": 1}) == again


def test_another_path_for_a_data_id_the_run_holds_is_refused_unless_forced(data_root):
    first = ft2(Writer("v1"))
    run = first.collection
    other = registry.product_path(run, "P310_ft2_r1_v002.fit")
    with pytest.raises(
        registry.ProductConflict, match=r"already holds ft2_1s of LAT\|run=1\| as P310/P310_ft2_r1.fit"
    ):
        registry.write_product(run, other, "ft2_1s", Writer("x"), instrument="LAT", data_id={"run": 1})
    assert not (data_root / other).exists()
    newer = registry.write_product(
        run, other, "ft2_1s", Writer("v2"), instrument="LAT", data_id={"run": 1}, force=True
    )
    assert (newer.path, newer.version, newer.replaces) == (other, 2, first)


def test_a_path_registered_as_another_type_is_refused(data_root):
    first = ft2(Writer("v1"))
    with pytest.raises(registry.ProductConflict, match="registered as ft2_1s of LAT\\|run=1\\|, not notes"):
        registry.write_product(first.collection, first.path, "notes", Writer("x"))


def test_versioned_paths_keep_the_extensions():
    assert registry.versioned_path("P310/r1/P310_notes.txt", 2) == "P310/r1/P310_notes.v2.txt"
    assert registry.versioned_path("P310/P310_events.fits.gz", 3) == "P310/P310_events.v3.fits.gz"
    assert registry.versioned_path("P310/P310_README", 2) == "P310/P310_README.v2"
