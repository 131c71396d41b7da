import json
import socket
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from l2portal.programs.science.metadata import (
    BoundingBox,
    Distribution,
    HealthCounts,
    MetadataClient,
    MetadataConnectionError,
    MetadataResponseError,
    load_inventory_file,
    load_response_files,
    parse_dataset_inventory,
    parse_inventories_response,
)
from l2portal.programs.standins import synthetic
from l2portal.programs.standins.metadata_server import MetadataServer, parse_operation
from tests.programs import raw_record

# --- Parser -------------------------------------------------------------------------------------


def test_parses_a_complete_record():
    dataset = parse_dataset_inventory(raw_record())
    assert dataset.dataset_id == "AAAAA"
    assert dataset.observing_program_execution_id == "eid_1_118_opA"
    assert dataset.start_time == datetime(2022, 6, 2, 17, 22, 50, 175505, tzinfo=UTC)
    assert dataset.bounding_box == BoundingBox(-560.16, -347.5, -677.17, -467.21)
    assert dataset.health == HealthCounts(good=171)
    assert dataset.gos_status.open == 171 and dataset.gos_status.closed == 0
    assert dataset.ao_locked == 169
    assert dataset.spectral_lines == ("Fe I (630.15 nm)", "Fe I (630.25 nm)")
    assert dataset.light_level == Distribution(383.8, 388.5, 392.6, 398.7, 403.7)


def test_missing_and_null_fields_are_tolerated():
    minimal = {"datasetId": "B", "observingProgramExecutionId": "op"}
    dataset = parse_dataset_inventory(minimal)
    assert dataset.frame_count is None and dataset.bounding_box is None and dataset.spectral_lines is None
    assert dataset.health == HealthCounts() and dataset.ao_locked == 0

    nulls = raw_record(health=None, gosStatus=None, aoLocked=None, friedParameter=None, spectralLines=None)
    dataset = parse_dataset_inventory(nulls)
    assert dataset.health.good == 0 and dataset.gos_status.open == 0 and dataset.ao_locked == 0
    assert dataset.fried_parameter is None and dataset.spectral_lines is None


def test_health_keys_in_upper_case_are_read():
    dataset = parse_dataset_inventory(raw_record(health={"GOOD": 3, "BAD": 1}))
    assert dataset.health == HealthCounts(good=3, bad=1)


def test_integer_wavelengths_and_timezone_suffixes_are_accepted():
    dataset = parse_dataset_inventory(raw_record(wavelengthMin=486, startTime="2022-06-02T07:00:00-10:00"))
    assert dataset.wavelength_min == 486.0
    assert dataset.start_time == datetime(2022, 6, 2, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"datasetId": None}, "datasetId"),
        ({"observingProgramExecutionId": ""}, "observingProgramExecutionId"),
        ({"frameCount": "171"}, "frameCount"),
        ({"frameCount": True}, "frameCount"),
        ({"wavelengthMin": "630"}, "wavelengthMin"),
        ({"startTime": "yesterday"}, "startTime"),
        ({"boundingBox": "(1,2)"}, "boundingBox"),
        ({"spectralLines": "Fe I"}, "spectralLines"),
        ({"health": {"good": "many"}}, "health.good"),
        ({"gosStatus": [1]}, "gosStatus"),
        ({"lightLevel": {"min": 1, "p25": 2, "med": 3, "p75": 4}}, "lightLevel.max"),
        ({"isEmbargoed": "no"}, "isEmbargoed"),
    ],
)
def test_malformed_fields_are_rejected_naming_record_and_field(overrides, field):
    with pytest.raises(MetadataResponseError) as raised:
        parse_inventories_response({"data": {"datasetInventories": [raw_record(), raw_record(**overrides)]}})
    message = str(raised.value)
    assert "record #1" in message and repr(field) in message


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ([], "not a JSON object"),
        ({"errors": [{"message": "boom"}], "data": None}, "GraphQL errors: boom"),
        ({"data": {}}, "no data.datasetInventories"),
        ({"data": {"datasetInventories": {"a": 1}}}, "not a list"),
        ({"data": {"datasetInventories": ["x"]}}, "record #0: expected an object"),
    ],
)
def test_malformed_responses_are_rejected(payload, expected):
    with pytest.raises(MetadataResponseError, match=expected):
        parse_inventories_response(payload)


def test_offline_files_are_graphql_responses(tmp_path):
    good = tmp_path / "inventories.json"
    good.write_text(json.dumps(synthetic.inventory_response([raw_record(), raw_record(datasetId="BBBBB")])))
    assert [d.dataset_id for d in load_inventory_file(good)] == ["AAAAA", "BBBBB"]

    broken = tmp_path / "broken.json"
    broken.write_text('{"data": ')
    with pytest.raises(MetadataResponseError, match=r"broken\.json: not JSON"):
        load_inventory_file(broken)


def test_response_files_give_raw_records_in_file_order(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps(synthetic.inventory_response([raw_record()])))
    second.write_text(json.dumps(synthetic.inventory_response([raw_record(datasetId="BBBBB")])))
    assert load_response_files([first, second]) == [raw_record(), raw_record(datasetId="BBBBB")]

    not_a_list = tmp_path / "c.json"
    not_a_list.write_text('{"data": {"datasetInventories": {}}}')
    with pytest.raises(ValueError, match=r"c\.json: data\.datasetInventories is not a list"):
        load_response_files([not_a_list])


# --- Client against the local server over HTTP --------------------------------------------------


@pytest.fixture
def records():
    return synthetic.generate_records(12)


@pytest.fixture
def server(records):
    with MetadataServer(records) as running:
        yield running


def test_client_fetches_every_page(server, records):
    client = MetadataClient(server.url, page_size=7)
    pages = list(client.iter_dataset_inventory_pages())
    assert len(pages) == -(-len(records) // 7) + (len(records) % 7 == 0)
    assert all(len(page) == 7 for page in pages[:-1]) and len(pages[-1]) < 7
    datasets = client.dataset_inventories()
    assert sorted(d.dataset_id for d in datasets) == sorted(r["datasetId"] for r in records)


def test_exact_multiple_of_page_size_ends_on_an_empty_page(records):
    with MetadataServer(records[:14]) as server:
        client = MetadataClient(server.url, page_size=7)
        assert [len(page) for page in client.iter_dataset_inventory_pages()] == [7, 7, 0]


def test_client_filters_by_proposal(server, records):
    datasets = MetadataClient(server.url, page_size=5).dataset_inventories(proposal_ids=["pid_1_101"])
    expected = {r["datasetId"] for r in records if r["primaryProposalId"] == "pid_1_101"}
    assert {d.dataset_id for d in datasets} == expected and expected


def test_nulls_from_the_server_are_tolerated():
    record = raw_record(health=None, spectralLines=None, boundingBox=None, frameCount=None)
    with MetadataServer([record]) as server:
        [dataset] = MetadataClient(server.url).dataset_inventories()
    assert dataset.health.good == 0 and dataset.bounding_box is None and dataset.frame_count is None


def test_malformed_record_from_the_server_names_page_record_and_field():
    expected = r"page 1: record #1 \(datasetId='B'\): field 'aoLocked'"
    with (
        MetadataServer([raw_record(), raw_record(datasetId="B", aoLocked="lots")]) as server,
        pytest.raises(MetadataResponseError, match=expected),
    ):
        MetadataClient(server.url).dataset_inventories()


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("malformed_json", "invalid JSON"),
        ("graphql_error", "GraphQL errors: injected fault"),
        ("http_500", "HTTP 500"),
    ],
)
def test_server_faults_become_clear_errors(server, fault, expected):
    client = MetadataClient(server.url, page_size=5)
    server.inject_fault(fault)
    with pytest.raises(MetadataResponseError, match=expected):
        client.dataset_inventories()
    assert client.dataset_inventories()  # the fault was one request only


def test_fault_on_a_later_page_fails_the_whole_scan(server):
    client = MetadataClient(server.url, page_size=5)
    pages = client.iter_dataset_inventory_pages()
    next(pages)
    server.inject_fault("http_500")
    with pytest.raises(MetadataResponseError, match="HTTP 500"):
        next(pages)


def test_connection_refused_is_a_connection_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = MetadataClient(f"http://127.0.0.1:{port}/graphql", timeout=2)
    with pytest.raises(MetadataConnectionError, match="cannot reach the metadata store"):
        client.dataset_inventories()


def test_mutation_is_recorded_and_answered(server):
    answer = MetadataClient(server.url).create_l2_inversion_inventory(
        inversion_id="inv.1",
        primary_proposal_id="pid_1_100",
        instrument_program_execution_id="id.85000.60000",
        bucket="data",
        asdf_object_key="pid_1_100/inv.1/inv.1.asdf",
        dataset_ids=["AAAAAA", "AAAAAB"],
        spectral_lines=["Fe I (630.25 nm)"],
    )
    assert answer["inversionId"] == "inv.1" and answer["createDate"]
    [recorded] = server.mutations
    assert recorded["datasetIds"] == ["AAAAAA", "AAAAAB"]
    assert recorded["asdfObjectKey"] == "pid_1_100/inv.1/inv.1.asdf"


def test_mutation_missing_required_fields_is_a_graphql_error(server):
    client = MetadataClient(server.url)
    payload = client.execute(
        'mutation { createL2InversionInventory(createParams: {inversionId: "x"}) { inversionId } }'
    )
    assert "missing required fields" in payload["errors"][0]["message"]
    assert server.mutations == []


def test_inline_query_arguments_are_understood(server, records):
    query = """
        query {  # a comment, then inline arguments
          datasetInventories(filterParams: {primaryProposalIds: ["pid_1_102"], pageSize: 3, pageNumber: 2,
                                            sortColumn: "-datasetId"}) { datasetId }
        }"""
    page = MetadataClient(server.url).execute(query)["data"]["datasetInventories"]
    expected = sorted(
        (r["datasetId"] for r in records if r["primaryProposalId"] == "pid_1_102"), reverse=True
    )
    assert [r["datasetId"] for r in page] == expected[3:6]


def test_parse_operation_reads_variables_and_literals():
    field, arguments = parse_operation(
        "mutation M($p: L2InversionInventory!) {"
        " createL2InversionInventory(createParams: $p) { inversionId } }",
        {"p": {"inversionId": "a"}},
    )
    assert field == "createL2InversionInventory" and arguments == {"createParams": {"inversionId": "a"}}
    _, arguments = parse_operation(
        '{ datasetInventories(filterParams: {isEmbargoed: false, x: null, y: 1.5e1, z: ENUM, s: "a\\"b"})'
        " { datasetId } }"
    )
    assert arguments["filterParams"] == {"isEmbargoed": False, "x": None, "y": 15.0, "z": "ENUM", "s": 'a"b'}


def test_unknown_filter_is_rejected(server):
    payload = MetadataClient(server.url).execute(
        '{ datasetInventories(filterParams: {colour: "red"}) { datasetId } }'
    )
    assert "not supported" in payload["errors"][0]["message"]


def test_update_date_filter_selects_recent_changes(server, records):
    cutoff = sorted(r["updateDate"] for r in records)[len(records) // 2]
    datasets = MetadataClient(server.url).dataset_inventories(filters={"updateDateMin": cutoff})
    assert {d.dataset_id for d in datasets} == {r["datasetId"] for r in records if r["updateDate"] >= cutoff}


def test_datasets_added_later_are_served(server, records):
    client = MetadataClient(server.url, page_size=50)
    assert len(client.dataset_inventories()) == len(records)
    server.store.add_records([raw_record(datasetId="LATE")])
    assert "LATE" in {d.dataset_id for d in client.dataset_inventories()}


def test_command_line_server_serves_demo_data():
    command = [sys.executable, "-m", "l2portal.programs.standins.metadata_server", "--port", "0", "--demo"]
    process = subprocess.Popen([*command, "--demo-programs", "3"], stdout=subprocess.PIPE, text=True)
    try:
        banner = process.stdout.readline()
        url = banner.split(" at ")[-1].strip()
        datasets = MetadataClient(url, timeout=10).dataset_inventories()
        assert len(datasets) == len(synthetic.generate_records(3)) and banner.startswith(
            "metadata store with"
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
