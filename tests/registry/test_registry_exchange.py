"""Export and import between sites (the LSST Gen3 Butler notes): a deterministic, versioned document; the
import checks all of it before writing, keeps every id, changes nothing the second time, and refuses
what it cannot read or would put outside the data root."""

import io
import json
import shutil
import tarfile

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from l2portal.ledger import services
from l2portal.ledger.execution import recording
from l2portal.ledger.models import Execution, LedgerEvent
from l2portal.registry import registry_format
from l2portal.registry import services as registry_services
from l2portal.registry.models import Collection, Product, RetentionRule, TagChange
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db


def registry(data_root, operator):
    """RAW magic7 -> P310 FT2 (made from it), a tag, a chain, a purged product."""
    raw, p310 = registry_services.get_run_collection("RAW"), registry_services.get_run_collection("P310")
    with recording("register_magic7", parameters={"run": 1}):
        magic7 = registry_services.write_product(
            raw,
            "RAW/RAW_magic7_r1.txt",
            "magic7",
            lambda t: t.write_text("ATT"),
            instrument="LAT",
            data_id={"run": 1},
        )
    with recording("make_ft2", parameters={"bin": 1}):
        ft2 = registry_services.write_product(
            p310,
            "P310/P310_ft2_r1.fit",
            "ft2_1s",
            lambda t: t.write_text("FITS"),
            inputs=[magic7],
            instrument="LAT",
            data_id={"run": 1},
            metadata={"bin_seconds": 1.0, "flags": [1, 2]},
        )
    scratch = registry_services.write_product(
        p310, "P310/P310_scratch.txt", "notes", lambda t: t.write_text("x")
    )
    registry_services.save_retention_rule(
        RetentionRule(name="scratch", product_type="notes", keep="after_created"), SYSTEM
    )
    registry_services.purge_expired(SYSTEM)  # marked purged (its file would go after the commit)
    registry_services.tag_products("fssc/2019-07-01", [ft2], services.Actor.of_user(operator), "delivered")
    registry_services.set_chain("FT2/current", ["P310"], SYSTEM)
    return magic7, ft2, scratch


def export(names=None) -> bytes:
    return registry_format.dumps(registry_services.registry_document(names, SYSTEM))


def clear_registry():
    """Forget every record the export holds (a second site's empty registry, in this database)."""
    from django.db import connection

    tables = ["ledger_tagmembership", "ledger_tagchange", "ledger_ledgerevent", "ledger_execution_inputs"]
    tables += ["ledger_collectionchild", "ledger_product", "ledger_execution", "ledger_collection"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checks pending in this transaction, done
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")  # history tables: only TRUNCATE
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def test_the_export_of_a_collection_holds_its_provenance_and_is_the_same_every_time(data_root, operator):
    magic7, ft2, _ = registry(data_root, operator)
    body = export(["FT2/current"])
    assert body == export(["FT2/current"])
    document = json.loads(body)
    assert (document["format"], document["version"]) == ("l2portal-registry", "1.0.0")
    assert [c["name"] for c in document["collections"]] == ["FT2/current", "P310", "RAW"]
    assert [p["path"] for p in document["products"]] == [
        "P310/P310_ft2_r1.fit",
        "P310/P310_scratch.txt",
        magic7.path,
    ]
    producer = next(e for e in document["executions"] if e["uuid"] == str(ft2.produced_by.uuid))
    assert producer["inputs"] == [str(magic7.uuid)] and producer["parameters"] == {"bin": 1}
    assert document["instruments"][0]["name"] == "LAT"
    assert document["tags"] == []  # the tag was not asked for
    tagged = json.loads(export(["fssc/2019-07-01"]))
    assert [t["product"] for t in tagged["tags"]] == [str(ft2.uuid)]
    assert [c["action"] for c in tagged["tag_changes"]] == ["added"]


def test_import_into_an_empty_registry_keeps_every_id_and_a_second_import_changes_nothing(
    data_root, operator
):
    registry(data_root, operator)
    before = export()
    document = json.loads(before)
    clear_registry()
    result = registry_services.import_collection(document, services.Actor.of_user(operator))
    assert result.written == {
        "instruments": 0,  # LAT is here already: every site has it
        "collections": 4,
        "executions": 2,  # the scratch file was written outside any execution
        "products": 3,
        "tags": 1,
        "tag_changes": 1,
        "events": len(document["events"]),
    }
    assert [e["kind"] for e in document["events"]] == ["chain_defined"]
    assert export() == before  # the same ids, the same records: the same bytes
    # Each import is an Execution of this site's own (it heartbeats, so a killed one is cleaned up).
    imported = Execution.objects.exclude(task_name="l2portal.registry.import")
    counts = (Product.objects.count(), imported.count(), TagChange.objects.count())
    again = registry_services.import_collection(document, services.Actor.of_user(operator))
    assert (
        not again.changed and (Product.objects.count(), imported.count(), TagChange.objects.count()) == counts
    )
    assert Execution.objects.filter(task_name="l2portal.registry.import", status="succeeded").count() == 2
    assert (
        registry_services.find_product("FT2/current", "ft2_1s", "LAT", {"run": 1}).path
        == "P310/P310_ft2_r1.fit"
    )


def test_an_unknown_major_version_or_a_newer_minor_one_is_refused(data_root, operator):
    registry(data_root, operator)
    document = json.loads(export())
    for version, message in (
        ("2.0.0", "version 2.0.0 cannot be read here"),
        ("1.1.0", "1.1.0 cannot be read"),
    ):
        with pytest.raises(registry_services.ImportRefused, match=message):
            registry_services.import_collection({**document, "version": version}, SYSTEM)
    with pytest.raises(registry_services.ImportRefused, match="not an l2portal registry export"):
        registry_services.import_collection(
            {"format": "Butler Data Repository Export", "version": "1.0.2"}, SYSTEM
        )
    assert LedgerEvent.objects.filter(kind="import_refused").count() == 3


@pytest.mark.parametrize(
    "path",
    [
        "P777/../../e/secret.txt",
        "/etc/P777_passwd",
        "P777/./P777_x.txt",
        "P777//P777_x.txt",
        "OTHER/P777_x.txt",
        "P777/no_name_of_the_run.txt",
        "P777\\..\\P777_x.txt",
    ],
)
def test_a_path_that_would_leave_its_collection_or_the_data_root_is_refused(data_root, path):
    document = minimal_document(path)
    with pytest.raises(registry_services.ImportRefused, match="nothing written"):
        registry_services.import_collection(document, SYSTEM)
    assert not Collection.objects.filter(name="P777").exists()


def test_a_folder_that_links_outside_the_data_root_is_refused(data_root, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "P777_x.txt").write_text("x")
    (data_root / "P777").parent.mkdir(parents=True, exist_ok=True)
    (data_root / "P777").symlink_to(outside)
    with pytest.raises(registry_services.ImportRefused, match="resolves outside the data root"):
        registry_services.import_collection(minimal_document("P777/P777_x.txt"), SYSTEM)


def minimal_document(path: str, sha256: str = "0" * 64, size: int = 1) -> dict:
    return {
        "format": "l2portal-registry",
        "version": "1.0.0",
        "selection": None,
        "instruments": [],
        "collections": [
            {
                "name": "P777",
                "kind": "run",
                "description": "",
                "children": [],
                "uuid": "1b4e28ba-2fa1-41d2-883f-0016d3cca427",
                "site": "elsewhere",
                "host": "h",
                "began_at": None,
                "ended_at": None,
                "software": {},
                "expires_at": None,
                "created_at": "2026-01-01T00:00:00+00:00",
            }
        ],
        "products": [
            {
                "uuid": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
                "site": "elsewhere",
                "run": "P777",
                "path": path,
                "product_type": "notes",
                "size": size,
                "sha256": sha256,
                "status": "present",
                "created_at": "2026-01-01T00:00:00+00:00",
                "purged_at": None,
                "purge_reason": "",
                "metadata": {},
                "instrument": None,
                "data_id": {},
                "data_key": "",
                "version": 1,
                "current": True,
                "replaces": None,
                "produced_by": None,
            }
        ],
        "executions": [],
        "tags": [],
        "tag_changes": [],
        "events": [],
    }


def test_every_problem_is_listed_and_nothing_is_written(data_root):
    document = minimal_document("P777/P777_x.txt")
    document["products"][0]["produced_by"] = "9e107d9d-372b-4c8a-9a8f-4bd6b1f2c3d4"
    document["products"][0]["instrument"] = "HST"
    document["collections"][0]["kind"] = "tagged"
    with pytest.raises(registry_services.ImportRefused) as refused:
        registry_services.import_collection(document, SYSTEM)
    problems = refused.value.details["problems"]
    assert any("its RUN collection P777" in p for p in problems)
    assert any("its execution 9e107d9d" in p for p in problems)
    assert any("instrument HST is neither exported nor here" in p for p in problems)
    assert not Collection.objects.filter(name="P777").exists()


def test_a_malformed_record_is_refused_field_by_field(data_root):
    document = minimal_document("P777/P777_x.txt")
    document["products"][0]["size"] = "one"
    document["products"][0]["created_at"] = "yesterday"
    del document["products"][0]["sha256"]
    document["events"] = "none"
    with pytest.raises(registry_services.ImportRefused) as refused:
        registry_services.import_collection(document, SYSTEM)
    problems = refused.value.details["problems"]
    assert "events: missing, or not a list" in problems
    assert any("products[0]: fields missing ['sha256']" in p for p in problems)


def test_a_number_no_column_holds_a_nul_or_a_deep_document_is_refused_before_anything_is_read(
    data_root, tmp_path
):
    huge = minimal_document("P777/P777_x.txt", size=10**30)
    huge["products"][0]["version"] = -1
    with pytest.raises(registry_services.ImportRefused) as refused:
        registry_services.import_collection(huge, SYSTEM)
    assert "products[0].size: 1000000000000000000000000000000 is not between 0 and" in refused.value.message
    assert "products[0].version: -1 is not between 0 and 2147483647" in refused.value.message
    nul = minimal_document("P777/P777_x.txt")
    nul["collections"][0]["description"] = "a\x00b"
    with pytest.raises(registry_services.ImportRefused, match="NUL"):
        registry_services.import_collection(nul, SYSTEM)
    deep = minimal_document("P777/P777_x.txt")
    deep["products"][0]["metadata"] = nested = {}
    for _ in range(40):
        nested["more"] = nested = {}
    with pytest.raises(registry_services.ImportRefused, match="nested deeper than 32"):
        registry_services.import_collection(deep, SYSTEM)
    bomb = tmp_path / "bomb.json"
    bomb.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(registry_services.ImportRefused, match=r"bomb\.json is nested too deep"):
        registry_services.import_registry(bomb, SYSTEM)
    assert not Collection.objects.filter(name="P777").exists()


def test_a_record_here_with_other_content_is_refused(data_root, operator):
    _, ft2, _ = registry(data_root, operator)
    document = json.loads(export(["P310"]))
    record = next(p for p in document["products"] if p["uuid"] == str(ft2.uuid))
    record["sha256"] = "f" * 64
    with pytest.raises(
        registry_services.ImportRefused, match=f"product {ft2.uuid} is here with another sha256"
    ):
        registry_services.import_collection(document, SYSTEM)


def test_a_missing_or_changed_file_is_refused(data_root, operator):
    registry(data_root, operator)
    document = json.loads(export(["P310"]))
    clear_registry()
    (data_root / "P310/P310_ft2_r1.fit").write_text("FITZ")
    (data_root / "RAW/RAW_magic7_r1.txt").unlink()
    (data_root / "P310/P310_scratch.txt").unlink()  # purged: no file needed
    with pytest.raises(registry_services.ImportRefused) as refused:
        registry_services.import_collection(document, SYSTEM)
    assert refused.value.details["problems"] == [
        "product P310/P310_ft2_r1.fit: its file differs from its sha256",
        "product RAW/RAW_magic7_r1.txt: its file is not under the data root",
    ]
    assert not Product.objects.exists()


def test_the_commands_export_with_files_and_import_into_an_empty_data_root(data_root, operator, tmp_path):
    registry(data_root, operator)
    output = tmp_path / "p310.tar"
    call_command(
        "export_registry",
        "--collection",
        "P310",
        "--with-files",
        "--output",
        str(output),
        stdout=io.StringIO(),
    )
    with tarfile.open(output) as archive:
        names = archive.getnames()
        assert names[0] == "registry.json" and "files/P310/P310_ft2_r1.fit" in names
        assert json.loads(archive.extractfile("registry.json").read()) == json.loads(export(["P310"]))
    before = export(["P310"])
    clear_registry()
    shutil.rmtree(data_root)
    out = io.StringIO()
    call_command("import_registry", str(output), stdout=out)
    assert "imported" in out.getvalue()
    assert (data_root / "P310/P310_ft2_r1.fit").read_text() == "FITS"
    assert export(["P310"]) == before
    out = io.StringIO()
    call_command("import_registry", str(output), stdout=out)
    assert out.getvalue().strip() == "nothing new: every record is here already"


def test_a_tarball_whose_file_differs_is_refused_and_leaves_no_file(data_root, operator, tmp_path):
    registry(data_root, operator)
    output = tmp_path / "p310.tar"
    registry_services.export_registry(["P310"], output, SYSTEM, with_files=True)
    body = output.read_bytes().replace(b"FITS", b"FITZ")
    output.write_bytes(body)
    clear_registry()
    shutil.rmtree(data_root)
    with pytest.raises(CommandError, match="its file in the export differs from its sha256"):
        call_command("import_registry", str(output), stdout=io.StringIO())
    assert not Product.objects.exists()
    # Nothing but the log of the refused import's own run (kept, as every run's log is).
    left = [p.relative_to(data_root).as_posix() for p in data_root.rglob("*") if p.is_file()]
    assert [path.split("/")[0] for path in left] == ["_logs"] and "import" in left[0]


def test_export_and_import_are_api_actions_for_operators(data_root, operator, scientist, tmp_path):
    registry(data_root, operator)
    client = APIClient()
    client.force_authenticate(scientist)
    assert client.post("/api/registry/export/", {"collections": ["P310"]}, format="json").status_code == 403
    client.force_authenticate(operator)
    answer = client.post("/api/registry/export/", {"collections": ["P310"]}, format="json")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    body = b"".join(answer.streaming_content)
    assert body == export(["P310"])
    clear_registry()
    imported = client.post("/api/registry/import/", {"file": io.BytesIO(body)}, format="multipart")
    assert imported.status_code == 200 and imported.json()["changed"] is True
    assert export(["P310"]) == body
    again = client.post("/api/registry/import/", {"file": io.BytesIO(body)}, format="multipart")
    assert again.json() == {"written": {k: 0 for k in imported.json()["written"]}, "changed": False}
    bad = client.post("/api/registry/import/", {"file": io.BytesIO(b"{}")}, format="multipart")
    assert bad.status_code == 400 and bad.json()["code"] == "import_refused"
