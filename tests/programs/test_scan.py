"""Scanning the metadata store into the database: over a real HTTP connection to the local store."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from l2portal.ledger.models import LedgerEvent
from l2portal.programs import services
from l2portal.programs.models import Dataset, ObservingProgram, ObservingProgramTransition, Scan
from l2portal.programs.science.metadata import MetadataClient
from l2portal.programs.standins import synthetic
from l2portal.programs.standins.metadata_server import MetadataServer
from tests.factories import SYSTEM
from tests.programs import raw_record

pytestmark = pytest.mark.django_db

N_PROGRAMS = len(synthetic.SCENARIOS)


@pytest.fixture
def store():
    with MetadataServer(synthetic.generate_records(N_PROGRAMS)) as server:
        yield server


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_first_scan_groups_marks_superseded_and_qualifies(store):
    records = synthetic.generate_records(N_PROGRAMS)
    scan = services.scan_store(SYSTEM, url=store.url, page_size=7)  # many pages
    assert (scan.status, scan.new, scan.updated, scan.unchanged) == ("succeeded", len(records), 0, 0)
    assert Dataset.objects.count() == len(records)
    assert ObservingProgram.objects.count() == N_PROGRAMS == scan.programs_touched == scan.programs_qualified

    scenarios = synthetic.demo_scenarios(N_PROGRAMS)
    for program in ObservingProgram.objects.all():
        expected = scenarios[program.execution_id] in synthetic.INVERTIBLE_SCENARIOS
        assert program.invertible is expected, (program, program.qualification)
        assert program.state == ("invertible" if expected else "not_invertible")
        assert program.transitions.get().from_state == "discovered"
    reprocessed = ObservingProgram.objects.get(execution_id=synthetic.program_id_for(1))
    superseded = reprocessed.datasets.filter(superseded=True)
    assert superseded.count() == 3 and reprocessed.dataset_count == 9
    for old in superseded:
        newer = reprocessed.datasets.get(product_id=old.product_id, superseded=False)
        assert newer.update_date > old.update_date
    dataset = Dataset.objects.filter(instrument_name="VISP").first()
    assert dataset.to_inventory() == next(
        d for d in MetadataClient(store.url).dataset_inventories() if d.dataset_id == dataset.dataset_id
    )


def test_rescan_without_change_writes_nothing(store):
    services.scan_store(SYSTEM, url=store.url)
    before = set(Dataset.objects.values_list("pk", "changed_at"))
    history = ObservingProgramTransition.objects.count()
    with CaptureQueriesContext(connection) as queries:
        scan = services.scan_store(SYSTEM, url=store.url)
    assert (scan.new, scan.updated, scan.unchanged) == (0, 0, len(before))
    assert all("programs_scan" in sql for sql in writes(queries)), writes(queries)  # only its own record
    assert set(Dataset.objects.values_list("pk", "changed_at")) == before
    assert ObservingProgramTransition.objects.count() == history


def test_reprocessing_updates_supersedes_and_requalifies(store):
    services.scan_store(SYSTEM, url=store.url)
    program_id = synthetic.program_id_for(0)
    program = ObservingProgram.objects.get(execution_id=program_id)
    assert program.state == "invertible"
    fe = program.datasets.get(instrument_name="VISP", superseded=False, product_id__endswith="visp-fe")
    # A newer reprocessing of the Fe arm with poor health, and a change to a VBI dataset.
    newer = {**_raw(fe), "datasetId": "ZZZZZZ", "updateDate": "2030-01-01T00:00:00", "health": {"good": 1}}
    vbi = program.datasets.filter(instrument_name="VBI").first()
    store.store.add_records([newer, {**_raw(vbi), "exposureTime": 99.0}])

    scan = services.scan_store(SYSTEM, url=store.url, proposal_id=program.proposal_id)
    assert (scan.new, scan.updated) == (1, 1) and scan.unchanged > 0
    fe.refresh_from_db()
    assert fe.superseded and not Dataset.objects.get(dataset_id="ZZZZZZ").superseded
    program.refresh_from_db()
    # updateDate in 2030: the settle period has not ended, so the program waits.
    assert program.needs_qualification and program.ready_at > timezone.now()
    assert program.state == "invertible"
    services.qualify_ready_programs(SYSTEM, now=program.ready_at)
    program.refresh_from_db()
    assert program.state == "not_invertible" and not program.qualification["checks"]["health"]["passed"]
    assert "health GOOD below" in program.transitions.last().reason


def _raw(dataset: Dataset) -> dict:
    record = next(r for r in synthetic.generate_records(N_PROGRAMS) if r["datasetId"] == dataset.dataset_id)
    return dict(record)


def test_settle_period_holds_recent_programs(store, settings):
    settings.PROGRAMS_SETTLE_DAYS = 3
    recent = timezone.now() - timedelta(days=1)
    record = raw_record(
        datasetId="NEW1",
        observingProgramExecutionId="eid_recent",
        updateDate=recent.replace(tzinfo=None).isoformat(),
    )
    store.store.add_records([record])
    services.scan_store(SYSTEM, url=store.url)
    program = ObservingProgram.objects.get(execution_id="eid_recent")
    assert program.state == "discovered" and program.needs_qualification
    assert program.ready_at == recent.replace(microsecond=program.ready_at.microsecond) + timedelta(days=3)
    assert services.qualify_ready_programs(SYSTEM) == 0
    assert services.qualify_ready_programs(SYSTEM, now=program.ready_at + timedelta(seconds=1)) == 1
    program.refresh_from_db()
    assert program.state in ("invertible", "not_invertible") and not program.needs_qualification


@pytest.mark.parametrize("fault", ["malformed_json", "graphql_error", "http_500"])
def test_failed_scan_changes_nothing_and_records_the_error(store, fault):
    services.scan_store(SYSTEM, url=store.url, page_size=5)
    rows = list(Dataset.objects.order_by("pk").values())
    store.store.add_records([raw_record(datasetId="LATE", observingProgramExecutionId="eid_late")])
    store.inject_fault(fault)
    with pytest.raises(services.ScanFailed):
        services.scan_store(SYSTEM, url=store.url, page_size=5)
    scan = Scan.objects.first()
    assert scan.status == "failed" and scan.errors and scan.new == 0
    assert list(Dataset.objects.order_by("pk").values()) == rows
    assert LedgerEvent.objects.filter(kind="scan_failed").exists()


def test_malformed_record_fails_the_whole_scan(store):
    store.store.add_records([raw_record(datasetId="BAD", frameCount="many")])
    with pytest.raises(services.ScanFailed, match="frameCount"):
        services.scan_store(SYSTEM, url=store.url)
    assert Dataset.objects.count() == 0


def test_scan_without_a_store_url_is_a_recorded_failure(settings):
    settings.METADATA_STORE_URL = ""
    with pytest.raises(services.ScanFailed, match="METADATA_STORE_URL"):
        services.scan_store(SYSTEM)
    assert Scan.objects.get().status == "failed"


def test_scan_tasks_use_the_configured_store(store, settings):
    from l2portal.programs import tasks

    settings.METADATA_STORE_URL = store.url
    tasks.scan_proposal.delay(synthetic.generate_records(1)[0]["primaryProposalId"])
    assert Scan.objects.get().proposal_id == "pid_1_100"
    assert set(ObservingProgram.objects.values_list("proposal_id", flat=True)) == {"pid_1_100"}
    tasks.scan_metadata_store.delay()
    assert ObservingProgram.objects.count() == N_PROGRAMS


def test_periodic_scan_without_a_store_only_qualifies_settled_programs(settings):
    from l2portal.programs import tasks

    settings.METADATA_STORE_URL = ""
    services.scan_records(synthetic.generate_records(N_PROGRAMS), SYSTEM, "generated")
    ObservingProgram.objects.update(needs_qualification=True)
    tasks.scan_metadata_store.delay()
    assert not ObservingProgram.objects.filter(needs_qualification=True).exists()
    assert Scan.objects.get().source == "generated"  # no scan without a store
