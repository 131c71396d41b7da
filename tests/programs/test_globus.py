"""Globus transfers with the real globus-sdk against the project's local Transfer API and Auth
server: checksums verified by Globus, faults recorded per file, expired tokens renewed, a task
the service forgot submitted again, a failed task resumed without copying twice."""

from pathlib import Path

import pytest

from l2portal.programs.science.globus import GlobusBackend, GlobusSettings
from l2portal.programs.science.transfer import (
    Endpoint,
    StillRunning,
    TransferError,
    TransferItem,
    TransferJob,
    TransferWatch,
)
from l2portal.programs.standins.globus_server import GlobusServer

CLIENT, SECRET, NATIVE, REFRESH = "portal-client", "portal-secret", "native-client", "refresh-me"


class Recorder(TransferWatch):
    def __init__(self):
        self.states, self.remembered = [], []

    def progress(self, state):
        self.states.append(state)

    def remember(self, resume):
        self.remembered.append(dict(resume))


@pytest.fixture
def globus(tmp_path):
    l1 = tmp_path / "dkist-l1" / "data" / "pid_1" / "DS1"
    l1.mkdir(parents=True)
    for n in range(4):
        (l1 / f"VISP_{n}_I_DS1_L1.fits").write_bytes(bytes([n]) * (3000 + n))
    with GlobusServer(
        {"L1": tmp_path / "dkist-l1", "SCRATCH": tmp_path / "scratch"},
        clients={CLIENT: SECRET},
        refresh_tokens={REFRESH: NATIVE},
        file_delay=0.01,
    ) as server:
        yield server


def backend(server, **settings) -> GlobusBackend:
    options = {"client_id": CLIENT, "client_secret": SECRET, "poll_seconds": 0.02, **settings}
    return GlobusBackend(
        GlobusSettings(transfer_url=server.transfer_url, auth_url=server.auth_url, **options)
    )


def fetch_job(tmp_path) -> TransferJob:
    return TransferJob(
        "Preprocess OP",
        Endpoint("L1", "/"),
        Endpoint("SCRATCH", "/", local=tmp_path / "scratch"),
        (TransferItem("data/pid_1/DS1", "OP/DS1"),),
    )


def test_a_folder_is_transferred_with_checksums_verified_by_globus(globus, tmp_path):
    watch = Recorder()
    report = backend(globus).run(fetch_job(tmp_path), watch)
    assert [(f.path, f.size, f.verified_by, f.skipped) for f in report.files] == [
        (f"OP/DS1/VISP_{n}_I_DS1_L1.fits", 3000 + n, "globus checksum", False) for n in range(4)
    ]
    assert (tmp_path / "scratch/OP/DS1/VISP_2_I_DS1_L1.fits").read_bytes() == bytes([2]) * 3002
    [document] = globus.service.submitted
    assert (document["verify_checksum"], document["sync_level"], document["label"]) == (
        True,
        3,
        "Preprocess OP",
    )
    assert document["DATA"] == [
        {
            "DATA_TYPE": "transfer_item",
            "source_path": "/data/pid_1/DS1/",
            "destination_path": "/OP/DS1/",
            "recursive": True,
        }
    ]
    assert watch.remembered[-1] == {"submission_id": document["submission_id"], "task_id": report.task_id}
    assert watch.states[-1].status == "SUCCEEDED" and watch.states[-1].files_total == 4
    assert globus.service.token_grants == ["client_credentials"]


def test_a_checksum_fault_is_retried_by_globus_and_recorded_on_its_file(globus, tmp_path):
    globus.service.inject_fault("checksum")
    report = backend(globus).run(fetch_job(tmp_path), Recorder())
    assert report.files[0].faults == ["VERIFY_CHECKSUM: checksum verification failed"]
    assert [f.faults for f in report.files[1:]] == [[], [], []]
    assert [fault.code for fault in report.faults] == ["VERIFY_CHECKSUM"]
    assert (tmp_path / "scratch/OP/DS1/VISP_0_I_DS1_L1.fits").read_bytes() == bytes([0]) * 3000


def test_a_checksum_that_never_matches_fails_the_task(globus, tmp_path):
    globus.service.inject_fault("checksum", times=10)
    with pytest.raises(
        TransferError, match=r"Globus task \S+ failed: VERIFY_CHECKSUM: checksum verification failed 3 times"
    ):
        backend(globus).run(fetch_job(tmp_path), Recorder())
    assert not (tmp_path / "scratch/OP/DS1/VISP_0_I_DS1_L1.fits").exists()


def test_an_expired_token_is_renewed_and_the_request_retried(globus, tmp_path):
    transfers = backend(globus)
    transfers.run(fetch_job(tmp_path), Recorder())
    globus.service.expire_tokens()  # the service now answers 401 to the token it handed out
    report = transfers.run(fetch_job(tmp_path), Recorder())
    assert all(f.skipped for f in report.files)  # sync level checksum: nothing copied twice
    assert globus.service.token_grants == ["client_credentials", "client_credentials"]

    refreshing = backend(globus, client_id=NATIVE, client_secret="", refresh_token=REFRESH)
    globus.service.expire_tokens()
    refreshing.run(fetch_job(tmp_path), Recorder())
    assert globus.service.token_grants[-1] == "refresh_token"


def test_a_task_the_service_forgot_is_submitted_again(globus, tmp_path):
    globus.service.inject_fault("forget")
    watch = Recorder()
    report = backend(globus).run(fetch_job(tmp_path), watch)
    assert [fault.code for fault in report.faults] == ["TASK_FORGOTTEN"]
    assert "no longer knows task" in report.faults[0].description
    assert len(globus.service.submitted) == 2 and len({r["submission_id"] for r in watch.remembered}) == 2
    assert len(report.files) == 4 and all((tmp_path / "scratch" / f.path).is_file() for f in report.files)


def test_a_failed_task_fails_and_the_next_one_copies_only_what_is_missing(globus, tmp_path):
    globus.service.inject_fault("fail_after=2")
    with pytest.raises(TransferError, match="ENDPOINT_ERROR: injected: the destination endpoint went away"):
        backend(globus).run(fetch_job(tmp_path), Recorder())
    report = backend(globus).run(fetch_job(tmp_path), Recorder())
    assert [f.skipped for f in report.files] == [True, True, False, False]


def test_a_worker_that_died_after_submitting_finds_its_task_again(globus, tmp_path):
    first = Recorder()
    backend(globus).run(fetch_job(tmp_path), first)
    submission = first.remembered[0]  # what was remembered before submitting
    again = backend(globus).run(fetch_job(tmp_path), Recorder(), resume=submission)
    assert again.task_id == first.remembered[-1]["task_id"] and len(globus.service.submitted) == 1


def test_a_long_task_is_left_running_and_picked_up_again(globus, tmp_path):
    globus.service.file_delay = 0.3
    with pytest.raises(StillRunning) as running:
        backend(globus, wait_seconds=0.1).run(fetch_job(tmp_path), Recorder())
    report = backend(globus).run(fetch_job(tmp_path), Recorder(), resume=running.value.resume)
    assert report.task_id == running.value.resume["task_id"] and len(globus.service.submitted) == 1
    assert len(report.files) == 4


def test_wrong_credentials_and_unknown_collections_are_clear_errors(globus, tmp_path):
    with pytest.raises(TransferError, match="Globus refused the transfer 'Preprocess OP': HTTP 401"):
        backend(globus, client_secret="wrong").run(fetch_job(tmp_path), Recorder())
    elsewhere = TransferJob(
        "x", Endpoint("NOWHERE", "/"), Endpoint("SCRATCH", "/"), (TransferItem("a", "b"),)
    )
    with pytest.raises(TransferError, match="HTTP 404 EndpointNotFound"):
        backend(globus).run(elsewhere, Recorder())
    with pytest.raises(TransferError, match="PROGRAMS_GLOBUS_CLIENT_ID"):
        backend(globus, client_id="").run(fetch_job(tmp_path), Recorder())


def test_publishing_to_a_remote_bucket_reports_sizes_from_the_local_side(globus, tmp_path):
    products = tmp_path / "data" / "L2" / "pid_1" / "inv.ABC123"
    products.mkdir(parents=True)
    (products / "INV_ABC123_2022_L2.fits").write_bytes(b"x" * 2880)
    (products / "INV_ABC123_L2_metadata.asdf").write_bytes(b"#ASDF")
    globus.service.collections.update({"PORTAL": tmp_path / "data", "BUCKETS": tmp_path / "object-store"})
    publish = TransferJob(
        "Publish inv.ABC123",
        Endpoint("PORTAL", "/", local=tmp_path / "data"),
        Endpoint("BUCKETS", "/"),
        (TransferItem("L2/pid_1/inv.ABC123", "data/pid_1/inv.ABC123"),),
    )
    report = backend(globus).run(publish, Recorder())
    assert [(f.path, f.size) for f in report.files] == [
        ("data/pid_1/inv.ABC123/INV_ABC123_2022_L2.fits", 2880),
        ("data/pid_1/inv.ABC123/INV_ABC123_L2_metadata.asdf", 5),
    ]
    assert (
        Path(tmp_path / "object-store/data/pid_1/inv.ABC123/INV_ABC123_L2_metadata.asdf").read_bytes()
        == b"#ASDF"
    )
