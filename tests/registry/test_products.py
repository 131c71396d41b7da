import json

import pytest

from l2portal.files import OutputExists, atomic_output, sha256_file
from l2portal.ledger import services
from l2portal.ledger.execution import recording
from l2portal.ledger.models import Execution, LedgerEvent
from l2portal.registry import services as registry
from l2portal.registry.models import Product

pytestmark = pytest.mark.django_db
SYSTEM = services.Actor.system("test")


def write_text(text):
    return lambda tmp: tmp.write_text(text)


def test_product_is_registered_with_checksum_relative_path_and_collection(data_root):
    run = registry.get_run_collection("P310")
    path = registry.product_path(run, "r0545208791", "gll_pt1s_p310_r0545208791_v001.fit")
    product = registry.write_product(run, path, "ft2_1s", write_text("fits bytes"))
    on_disk = data_root / path
    assert on_disk.read_text() == "fits bytes"
    assert product.path == "P310/r0545208791/gll_pt1s_p310_r0545208791_v001.fit"
    assert (product.size, product.sha256) == (10, sha256_file(on_disk))
    assert product.collection == run
    assert not list(on_disk.parent.glob(".*.part"))


def test_second_write_of_same_path_returns_the_registered_product_untouched(data_root):
    run = registry.get_run_collection("P310")
    path = registry.product_path(run, "P310_notes.txt")
    first = registry.write_product(run, path, "notes", write_text("v1"))
    again = registry.write_product(run, path, "notes", write_text("something else"))
    assert again.pk == first.pk
    assert (data_root / path).read_text() == "v1"
    assert Product.objects.count() == 1


def test_paths_must_carry_the_collection_name_and_stay_inside():
    run = registry.get_run_collection("P310")
    with pytest.raises(registry.ProductPathError, match="must contain the collection name"):
        registry.product_path(run, "gll_pt1s_r1_v001.fit")
    with pytest.raises(registry.ProductPathError, match="inside its collection"):
        registry.product_path(run, "..", "P310_escape.txt")
    with pytest.raises(registry.ProductPathError, match="not inside collection"):
        registry.write_product(run, "OTHER/P310_x.txt", "notes", write_text("x"))
    with pytest.raises(registry.ProductPathError, match="inside its collection"):
        registry.write_product(run, "P310/../../etc/P310_x.txt", "notes", write_text("x"))


def test_failed_writer_leaves_no_file_and_no_row(data_root):
    run = registry.get_run_collection("P310")
    path = registry.product_path(run, "P310_broken.txt")

    def broken(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        registry.write_product(run, path, "notes", broken)
    assert not (data_root / "P310").exists() or not list((data_root / "P310").iterdir())
    assert not Product.objects.exists()


def test_atomic_output_never_silently_overwrites(tmp_path):
    target = tmp_path / "a.txt"
    with atomic_output(target) as tmp:
        tmp.write_text("one")
    with atomic_output(target) as tmp:  # same content: kept, no error
        tmp.write_text("one")
    with (
        pytest.raises(OutputExists, match="already exists with different content"),
        atomic_output(target) as tmp,
    ):
        tmp.write_text("two")
    assert target.read_text() == "one"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_unregistered_file_from_an_interrupted_run_is_replaced(data_root):
    run = registry.get_run_collection("P310")
    path = registry.product_path(run, "P310_orphan.txt")
    (data_root / "P310").mkdir(parents=True)
    (data_root / path).write_text("from a run that died before registering")
    product = registry.write_product(run, path, "notes", write_text("fresh"))
    assert (data_root / path).read_text() == "fresh"
    assert product.sha256 == sha256_file(data_root / path)
    assert LedgerEvent.objects.filter(kind="orphan_replaced").exists()


def test_provenance_what_produced_and_what_was_made_from(data_root):
    run = registry.get_run_collection("P310")
    with recording("make_magic7", parameters={"day": 1}):
        raw = registry.write_product(
            run, registry.product_path(run, "P310_magic7.txt"), "magic7", write_text("ATT ...")
        )
    with recording("make_ft2", parameters={"bin": 1}) as execution:
        ft2 = registry.write_product(
            run,
            registry.product_path(run, "gll_pt1s_p310_r1_v001.fit"),
            "ft2_1s",
            write_text("FITS"),
            inputs=[raw],
        )
    assert registry.produced(ft2) == execution
    assert list(execution.inputs.all()) == [raw]
    assert list(registry.derived_from(raw)) == [ft2]
    execution.refresh_from_db()
    assert execution.status == Execution.Status.SUCCEEDED
    assert execution.software["astropy"] and execution.software["numpy"] and execution.host


def test_failed_execution_records_error_and_log_tail():
    import logging

    with pytest.raises(ValueError), recording("explode") as execution:
        logging.getLogger("l2portal.test").warning("about to fail on frame 12")
        raise ValueError("frame 12 unreadable")
    execution.refresh_from_db()
    assert execution.status == Execution.Status.FAILED
    assert execution.error == "ValueError: frame 12 unreadable"
    assert "about to fail on frame 12" in execution.log_tail
    assert execution.finished_at is not None


def test_a_step_that_fails_its_subject_is_a_failed_execution():
    from l2portal.programs.models import ObservingProgram

    program = ObservingProgram.objects.create(execution_id="eid_step")
    with recording("preprocess", subject=program) as execution:
        services.fail(program, SYSTEM, "checksum mismatch on frame 12")
    execution.refresh_from_db()
    assert execution.status == Execution.Status.FAILED
    assert execution.error == "checksum mismatch on frame 12"


def test_export_is_deterministic_and_named_by_its_content(data_root):
    run = registry.get_run_collection("P310")
    for name in ("P310_a.txt", "P310_b.txt"):
        registry.write_product(run, registry.product_path(run, name), "notes", write_text(name))
    first = registry.export_collection(run)
    second = registry.export_collection(run)
    assert first.pk == second.pk and first.product_type == "export"
    document = json.loads((data_root / first.path).read_text())
    assert [p["path"] for p in document["products"]] == ["P310/P310_a.txt", "P310/P310_b.txt"]
    assert document["version"] == "1.0.0" and document["selection"] == ["P310"]
    registry.write_product(run, registry.product_path(run, "P310_c.txt"), "notes", write_text("c"))
    assert registry.export_collection(run).pk != first.pk  # a changed collection exports to a new file


def test_import_with_a_wrong_checksum_registers_nothing(data_root):
    run = registry.get_run_collection("P310")
    registry.write_product(run, registry.product_path(run, "P310_a.txt"), "notes", write_text("a"))
    document = registry.export_document(run)
    for record in document["products"]:
        record["uuid"] = "5d0c6a56-2a3b-4b7e-9a55-0e5b2c1f9a01"  # another product, same path
    (data_root / "P310/P310_a.txt").write_text("tampered")
    with pytest.raises(registry.ImportRefused, match="a present product here has that path") as refused:
        registry.import_collection(document, SYSTEM)
    assert "its file differs" not in refused.value.message  # files are checked once records are
    assert Product.objects.count() == 1
    assert LedgerEvent.objects.filter(kind="import_refused").exists()


def test_purge_of_an_expired_collection_deletes_files_and_keeps_rows(
    data_root, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    run = registry.get_run_collection("SCRATCH1")
    run.expires_at = timezone.now() - timedelta(hours=1)
    run.save()
    product = registry.write_product(
        run, registry.product_path(run, "SCRATCH1_tmp.txt"), "notes", write_text("x")
    )
    keep = registry.get_run_collection("P310")
    kept = registry.write_product(
        keep, registry.product_path(keep, "P310_keep.txt"), "notes", write_text("k")
    )
    with django_capture_on_commit_callbacks(execute=True):
        plan = registry.purge_expired(SYSTEM)
    assert plan.by_reason == {"collection expired": ["SCRATCH1/SCRATCH1_tmp.txt"]}
    product.refresh_from_db()
    assert product.status == Product.Status.PURGED and product.purged_at
    assert product.purge_reason == "collection expired"
    assert not (data_root / product.path).exists()
    assert (data_root / kept.path).exists()
    assert registry.purge_expired(SYSTEM).count == 0


def test_chained_collection_resolves_to_its_runs_in_order():
    from l2portal.registry.models import Collection, CollectionChild

    p305, p310 = registry.get_run_collection("P305"), registry.get_run_collection("P310")
    chain = Collection.objects.create(name="current", kind=Collection.Kind.CHAINED)
    CollectionChild.objects.create(parent=chain, child=p310, position=0)
    CollectionChild.objects.create(parent=chain, child=p305, position=1)
    assert registry.resolve(chain) == [p310, p305]


@pytest.mark.parametrize("size", [0, 1, 4096, 4096 + 1, 3 * 4096 + 17])
def test_sha256_file_matches_hashlib_across_block_boundaries(tmp_path, size):
    import hashlib
    import os

    path = tmp_path / "sample.bin"
    path.write_bytes(os.urandom(size))
    assert sha256_file(path, chunk_size=4096) == hashlib.sha256(path.read_bytes()).hexdigest()
