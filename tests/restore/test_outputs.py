"""The pipeline's outputs as products of the restores collection, with provenance to the staged inputs
and the script or PPR; the weblog archived reproducibly."""

import io
import json
import tarfile

import pytest

from l2portal.registry.services import absolute_path, derived_from, produced
from restore import selectors
from restore.science.outputs import ms_listing, write_weblog_archive
from tests.restore.conftest import X80E


@pytest.mark.django_db(transaction=True)
def test_outputs_are_products_made_from_the_staged_inputs_and_the_script(scientist, run_restore):
    restore = run_restore(X80E, scientist)
    assert restore.state == "restored", restore.progress_note
    outputs = {product.product_type: product for product in restore.output_products.all()}
    assert set(outputs) == {"restore_ms_listing", "restore_weblog", "restore_log"}
    for product in restore.output_products.all():
        assert product.collection.name == "restores"
        assert f"request-{restore.pk}/outputs/run-1/restores_request-{restore.pk}_run-1_" in product.path
        execution = produced(product)
        assert execution.task_name == "restore.tasks.run" and execution.subject_id == str(restore.pk)
        inputs = set(execution.inputs.all())
        assert restore.restore_script in inputs
        assert {staged.product for staged in restore.staged_files.filter(kind="product")} <= inputs
    # What was made from a staged input, and from the script: the outputs, asked the ledger's way.
    caltables = restore.staged_files.get(name__endswith="session_2.caltables.tgz").product
    assert set(restore.output_products.all()) <= set(derived_from(caltables))
    assert set(restore.output_products.all()) <= set(derived_from(restore.restore_script))
    listing = json.loads(absolute_path(outputs["restore_ms_listing"]).read_text())
    (ms,) = listing["measurement_sets"]
    assert ms["name"] == "uid___A002_Xcf92df_X3453.ms" and "SYSCAL" in ms["tables"] and ms["files"] >= 2
    logs = sorted(product.filename for product in restore.output_products.filter(product_type="restore_log"))
    assert logs[-1].endswith(f"pipeline-request-{restore.pk}-1.log") and logs[0].split("_run-1_")[
        1
    ].startswith("casa-")
    weblogs = selectors.weblogs(restore)
    assert len(weblogs) == 2 and all(weblog["run"] == 1 for weblog in weblogs)


def test_a_weblog_archives_to_the_same_bytes_twice(tmp_path):
    html = tmp_path / "working" / "pipeline-20180710T103452" / "html"
    (html / "stage1").mkdir(parents=True)
    (html / "index.html").write_text("<html>weblog</html>")
    (html / "stage1" / "plot.png").write_bytes(b"\x89PNG")
    write_weblog_archive(html, tmp_path / "a.tgz")
    (html / "index.html").touch()  # a later time changes nothing
    write_weblog_archive(html, tmp_path / "b.tgz")
    assert (tmp_path / "a.tgz").read_bytes() == (tmp_path / "b.tgz").read_bytes()
    with tarfile.open(fileobj=io.BytesIO((tmp_path / "a.tgz").read_bytes())) as archive:
        assert archive.getnames() == [
            "pipeline-20180710T103452/html",
            "pipeline-20180710T103452/html/index.html",
            "pipeline-20180710T103452/html/stage1",
            "pipeline-20180710T103452/html/stage1/plot.png",
        ]


def test_the_ms_listing_describes_each_measurement_set(tmp_path):
    ms = tmp_path / "uid___A002_X1_X2.ms"
    (ms / "SYSCAL").mkdir(parents=True)
    (ms / "table.info").write_text("Type = Measurement Set\n")
    (ms / "SYSCAL" / "table.dat").write_bytes(b"x" * 10)
    (tmp_path / "not-an-ms.txt").write_text("x")
    assert ms_listing(tmp_path)["measurement_sets"] == [
        {"name": "uid___A002_X1_X2.ms", "tables": ["SYSCAL"], "files": 2, "bytes": 33}
    ]
