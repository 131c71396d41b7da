"""Downlinks picked up as they arrive (seeds/003: HalfPipe's stream was submitted seconds after a
downlink's RetDef files appeared): the scan of the incoming root registers a folder once it is whole
and unchanged for the settle time, once, with ingest_downlink's refusals (recorded once); the
downlinks page lists the folders still arriving and why. Time is handed to the scan (``now``)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from l2portal.ledger.models import LedgerEvent, TaskIntent
from pipelines import conf, services
from pipelines.models import Downlink, IncomingFolder
from pipelines.science.downlinkfolder import missing_parts
from pipelines.standins.downlinksim import write_downlinks
from tests.factories import SYSTEM
from tests.pipelines.halfpipe import TIMELINE, simulate

T0 = datetime(2023, 4, 1, 10, 0, tzinfo=UTC)
FIRST = "230401001"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def scan(seconds: float) -> dict[str, int]:
    return services.scan_incoming(SYSTEM, now=at(seconds))


@pytest.fixture
def sources(tmp_path) -> Path:
    """A whole downlink written elsewhere, to be copied into the incoming root bit by bit."""
    return write_downlinks(tmp_path / "elsewhere", TIMELINE)[0]


@pytest.fixture
def arriving(settings) -> Path:
    settings.PIPELINES_INCOMING_SETTLE_SECONDS = 30
    folder = conf.incoming_root() / FIRST
    folder.mkdir(parents=True)
    return folder


def copy(sources: Path, arriving: Path, name: str, part: float = 1.0) -> None:
    data = (sources / name).read_bytes()
    (arriving / name).write_bytes(data[: int(len(data) * part)])


def row() -> IncomingFolder:
    return IncomingFolder.objects.get(name=FIRST)


@pytest.mark.django_db
def test_a_folder_written_slowly_is_registered_once_after_it_is_whole_and_settled(sources, arriving):
    retdef, chunk = "RetDef-230401001-{:05d}.xml".format, "230401001-{:05d}.chunk".format
    copy(sources, arriving, retdef(1))
    scan(0)
    assert row().status == "incomplete" and row().reason == f"{retdef(1)} names {chunk(1)}, not arrived"

    copy(sources, arriving, chunk(1), part=0.5)
    copy(sources, arriving, retdef(3))
    scan(10)
    assert row().reason == f"{retdef(3)} names {chunk(3)}, not arrived; no RetDef yet for chunk 2"

    copy(sources, arriving, chunk(1))
    for number in (2, 3):
        copy(sources, arriving, retdef(number))
    copy(sources, arriving, chunk(2))
    copy(sources, arriving, chunk(3), part=0.3)  # every part there, the last one still growing
    scan(20)
    assert row().status == "settling" and row().changed_at == at(20)
    scan(45)  # 25 s unchanged: not yet
    copy(sources, arriving, chunk(3))  # it grew: the settle time starts again
    scan(49)
    assert row().status == "settling" and row().changed_at == at(49) and not Downlink.objects.exists()
    scan(78)  # 29 s
    assert not Downlink.objects.exists()

    assert scan(79) == {"registered": 1}
    downlink = Downlink.objects.get()
    assert row().status == "registered" and row().downlink == downlink and downlink.folder == FIRST
    sizes = {c.number: c.size for c in downlink.chunks.all()}
    assert sizes == {n: (sources / chunk(n)).stat().st_size for n in (1, 2, 3)}
    assert TaskIntent.objects.filter(task_name="pipelines.tasks.decode_chunk").count() == 3
    # Later scans change nothing.
    assert scan(200) == {"registered": 1} and scan(400) == {"registered": 1}
    assert Downlink.objects.count() == 1 and TaskIntent.objects.count() == 3


@pytest.mark.django_db
def test_the_downlinks_page_lists_folders_still_arriving_and_why(client, operator, sources, arriving):
    copy(sources, arriving, "RetDef-230401001-00002.xml")
    (conf.incoming_root() / "230401009").mkdir()
    scan(0)
    client.force_login(operator)
    page = client.get("/pipelines/downlinks/").content.decode()
    assert "Arriving" in page and f"<code>{FIRST}</code>" in page
    assert (
        "RetDef-230401001-00002.xml names 230401001-00002.chunk, not arrived; no RetDef yet for chunk 1"
        in page
    )
    assert "<code>230401009</code>" in page and "no RetDef-*.xml file yet" in page
    # Gone from the root, gone from the list.
    (conf.incoming_root() / "230401009").rmdir()
    scan(5)
    assert list(IncomingFolder.objects.values_list("name", flat=True)) == [FIRST]


@pytest.mark.django_db
def test_a_whole_folder_ingest_refuses_is_refused_once_and_listed(client, operator, settings):
    settings.PIPELINES_INCOMING_SETTLE_SECONDS = 30
    first, second = simulate()
    for path in second.iterdir():  # another downlink's RetDefs and chunks in the first's folder
        path.rename(first / path.name)
    second.rmdir()
    scan(0)
    assert row().status == "settling"
    scan(30)
    assert row().status == "refused" and "RetDefs of several downlinks" in row().reason
    scan(60)
    scan(90)
    assert LedgerEvent.objects.filter(kind="downlink_refused").count() == 1
    assert not Downlink.objects.exists()
    client.force_login(operator)
    page = client.get("/pipelines/downlinks/").content.decode()
    assert "Refused" in page and "RetDefs of several downlinks" in page


@pytest.mark.django_db
def test_a_folder_registered_by_hand_is_not_registered_again(settings):
    settings.PIPELINES_INCOMING_SETTLE_SECONDS = 30
    first, _ = simulate()
    scan(0)
    assert services.ingest_downlink(first, SYSTEM)[1]  # registered by hand, between two scans
    assert scan(100) == {"registered": 2}  # the second downlink settled too
    assert row().status == "registered" and Downlink.objects.count() == 2
    assert TaskIntent.objects.filter(task_name="pipelines.tasks.decode_chunk").count() == 6


def test_missing_parts_names_what_has_not_arrived(sources):
    retdefs = {p.name: p.read_bytes() for p in sources.glob("RetDef-*.xml")}
    sizes = {p.name: p.stat().st_size for p in sources.iterdir()}
    assert missing_parts(sizes, retdefs) == ""
    assert missing_parts({}, {}) == "no RetDef-*.xml file yet"
    half = {**retdefs, "RetDef-230401001-00002.xml": retdefs["RetDef-230401001-00002.xml"][:40]}
    assert "a RetDef does not read yet: RetDef-230401001-00002.xml" in missing_parts(sizes, half)
    empty = {**sizes, "230401001-00003.chunk": 0}
    assert missing_parts(empty, retdefs) == "230401001-00003.chunk is empty"


@pytest.mark.django_db
def test_a_scan_of_unchanged_folders_makes_as_many_queries_for_few_as_for_many(sources, arriving):
    retdef = (sources / "RetDef-230401001-00001.xml").read_bytes()

    def queries_of_a_quiet_scan(count: int) -> int:
        for n in range(count):
            folder = conf.incoming_root() / f"{240000000 + n:09d}"
            folder.mkdir(exist_ok=True)
            (folder / "RetDef-230401001-00001.xml").write_bytes(retdef)
        scan(0)  # sees them all
        with CaptureQueriesContext(connection) as queries:
            scan(5)  # nothing changed, nothing due
        return len(queries)

    assert queries_of_a_quiet_scan(2) == queries_of_a_quiet_scan(6)


@pytest.mark.django_db
def test_a_folder_whose_retdef_cannot_be_read_waits_and_the_others_go_on(settings):
    settings.PIPELINES_INCOMING_SETTLE_SECONDS = 30
    unreadable = conf.incoming_root() / "000000000"  # sorted before the downlinks
    unreadable.mkdir(parents=True)
    (unreadable / "RetDef-000000001-00001.xml").symlink_to("/proc/self/mem")  # every read fails: EIO
    simulate()
    scan(0)
    assert scan(100) == {"incomplete": 1, "registered": 2}
    waiting = IncomingFolder.objects.get(name="000000000")
    assert "cannot be read" in waiting.reason and "permissions" in waiting.reason
    assert Downlink.objects.count() == 2
