"""The project's NGAS server answers STATUS and RETRIEVE the way ICRAR's NGAS does (status documents
with their DOCTYPE line, FAILURE answers with NGAS error messages, ranges only as bytes=<start>-,
answered with 200 and Content-Range), from the product files the demo archive lists."""

import zlib

import pytest
import requests

from restore.science import archive
from restore.science.ngas import parse_status
from restore.standins.ngas_server import NgasArchive, NgasServer

CALTABLES = "member.uid___A001_X12a3_X80e.session_2.caltables.tgz"


@pytest.fixture
def ngas():
    with NgasServer() as server:
        yield server


def get(server, command, file_id=CALTABLES, **headers):
    return requests.get(
        f"{server.base_url}/{command}", params={"file_id": file_id}, headers=headers, timeout=10
    )


def test_it_serves_the_files_the_demo_archive_lists():
    connection = archive.connect(None)
    listed = {row[0] for row in connection.execute("SELECT NGAS_FILE_ID FROM ASA_PRODUCT_FILES")}
    connection.close()
    assert set(NgasArchive.from_demo_archive().files) == {
        name for name in listed if (archive.DEMO_PRODUCTS_DIR / name).is_file()
    }


def test_status_is_an_ngams_status_document(ngas):
    response = get(ngas, "STATUS")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/xml"
    lines = response.text.splitlines()
    assert lines[0] == '<?xml version="1.0" ?>'
    assert lines[1].startswith("<!DOCTYPE NgamsStatus SYSTEM ") and lines[1].endswith('ngamsStatus.dtd">')
    status = parse_status(response.content)
    assert (status.status, status.message) == ("SUCCESS", "Successfully handled command STATUS")
    assert status.file.size == (archive.DEMO_PRODUCTS_DIR / CALTABLES).stat().st_size


def test_retrieve_sends_the_file_as_an_attachment(ngas):
    response = get(ngas, "RETRIEVE")
    data = (archive.DEMO_PRODUCTS_DIR / CALTABLES).read_bytes()
    assert response.status_code == 200 and response.content == data
    assert response.headers["Content-Length"] == str(len(data))
    assert response.headers["Content-Disposition"] == f'attachment; filename="{CALTABLES}"'
    assert "Content-Range" not in response.headers


def test_a_range_is_a_start_offset_answered_with_200_and_content_range(ngas):
    data = (archive.DEMO_PRODUCTS_DIR / CALTABLES).read_bytes()
    response = get(ngas, "RETRIEVE", Range="bytes=100-")
    assert response.status_code == 200 and response.content == data[100:]
    assert response.headers["Content-Range"] == f"bytes 100-{len(data) - 1}/{len(data)}"
    assert response.headers["Accept-Ranges"] == "bytes"
    for refused in ("bytes=0-10", "bytes=-5", "items=3-"):
        answer = get(ngas, "RETRIEVE", Range=refused)
        assert answer.status_code == 400
        assert "must have the form 'bytes=start-'" in parse_status(answer.content).message


@pytest.mark.parametrize(
    ("command", "file_id", "message"),
    [
        (
            "STATUS",
            "absent.tgz",
            "NGAMS_ER_UNAVAIL_FILE:4019:ERROR: File with ID: absent.tgz appears not to be available.",
        ),
        ("RETRIEVE", "", "NGAMS_ER_UNAVAIL_FILE:4019:ERROR: File with ID:  appears not to be available."),
        ("ARCHIVE", CALTABLES, "NGAMS_ER_ILL_CMD:4010:ERROR: Illegal command: ARCHIVE received"),
    ],
)
def test_failures_are_status_documents_with_400(ngas, command, file_id, message):
    response = get(ngas, command, file_id)
    status = parse_status(response.content)
    assert response.status_code == 400 and (status.status, status.message) == ("FAILURE", message)


def test_a_busy_server_answers_503(ngas):
    ngas.ngas.inject("busy")
    response = get(ngas, "STATUS")
    assert response.status_code == 503 and response.headers["Retry-After"] == "0"
    assert parse_status(response.content).status == "FAILURE"
    assert get(ngas, "STATUS").status_code == 200


def test_crc32_is_stored_signed_as_python2_servers_did(tmp_path):
    zero = tmp_path / "zero.bin"
    zero.write_bytes(b"\x00")  # zlib.crc32 of it is above 2**31
    with NgasServer(NgasArchive({"zero.bin": zero}, "crc32")) as server:
        checksum = parse_status(get(server, "STATUS", "zero.bin").content).file.checksum
    assert int(checksum) < 0 and int(checksum) & 0xFFFFFFFF == zlib.crc32(b"\x00")


def test_unknown_faults_are_refused():
    with pytest.raises(ValueError, match="unknown fault"):
        NgasArchive({}).inject("slow")
