"""The exchange document's rules, as the Butler's export has them: another major version or a
newer minor one is refused, a newer patch is read; the same records give the same bytes."""

import json

import pytest

from l2portal.registry import registry_format


@pytest.mark.parametrize(
    ("version", "readable"),
    [("1.0.0", True), ("1.0.9", True), ("1.1.0", False), ("2.0.0", False), ("0.9.0", False), ("1.0", False)],
)
def test_versions_this_reader_reads(version, readable):
    problem = registry_format.version_problem({"format": "l2portal-registry", "version": version})
    assert (problem is None) == readable


def test_the_same_records_give_the_same_bytes_one_record_per_line():
    records = [{"b": 2, "a": {"z": 1, "y": [1, 2]}}, {"a": "é", "b": None}]
    body = registry_format.dumps({"products": records, "format": "l2portal-registry", "events": []})
    assert body == registry_format.dumps(
        {"events": [], "format": "l2portal-registry", "products": records[:]}
    )
    lines = body.decode().splitlines()
    assert lines[:5] == [
        "{",
        ' "events": [],',
        ' "format": "l2portal-registry",',
        ' "products": [',
        '  {"a": {"y": [1, 2], "z": 1}, "b": 2},',
    ]
    assert json.loads(body)["products"] == records


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("P777/P777_x.txt", None),
        ("P777/sub/P777_x.fits", None),
        ("P777/../../e/secret.txt", "must stay inside its collection folder"),
        ("/P777/P777_x.txt", "must stay inside its collection folder"),
        ("P7/P777_x.txt", "is not inside collection P777"),
        ("P777/x.txt", "must contain the collection name P777"),
    ],
)
def test_product_paths_stay_in_their_run(path, problem):
    found = registry_format.product_path_problem("P777", path)
    assert (found is None) if problem is None else (problem in found)
