"""Magic7 inputs as a use case: registering a run's telemetry file (operators and the portal)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.refusals import NotPermitted
from l2portal.ledger.services import Actor
from pipelines import services
from pipelines.models import DataRun, Magic7Input
from pipelines.science import orbitgen
from tests.factories import SYSTEM

from .conftest import RUNS

pytestmark = pytest.mark.django_db
RUN = RUNS[0]


@pytest.fixture
def magic7_file(tmp_path):
    path = tmp_path / "magic7.txt"
    orbitgen.write_magic7(path, RUN, RUN + 60)
    return path


def test_registering_again_a_corrected_file_makes_it_the_runs_input(magic7_file, operator):
    first = services.register_magic7(RUN, magic7_file, RUN, RUN + 60, Actor.of_user(operator))
    assert first.product.metadata["actor"] == "operator"
    orbitgen.write_magic7(magic7_file, RUN, RUN + 60, seed=1)
    corrected = services.register_magic7(RUN, magic7_file, RUN, RUN + 60, SYSTEM)
    assert corrected.product != first.product
    assert services.latest_magic7(DataRun.objects.get(run_id=RUN)) == corrected
    assert Magic7Input.objects.count() == 2


def test_an_empty_span_is_refused_and_recorded(magic7_file):
    with pytest.raises(services.Magic7Refused, match="must be after start") as refused:
        services.register_magic7(RUN, magic7_file, RUN, RUN, SYSTEM)
    assert (refused.value.code, refused.value.http_status) == ("magic7_refused", 400)
    assert LedgerEvent.objects.get(kind="magic7_refused").details["run_id"] == RUN
    assert not DataRun.objects.exists()


def test_only_operators_register_magic7_files(magic7_file, scientist):
    with pytest.raises(NotPermitted, match="only operators may register magic7 inputs"):
        services.register_magic7(RUN, magic7_file, RUN, RUN + 60, Actor.of_user(scientist))
    assert not Magic7Input.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_registrations_of_one_file_register_it_once(magic7_file):
    start = threading.Barrier(4)

    def register():
        start.wait()
        try:
            return services.register_magic7(RUN, magic7_file, RUN, RUN + 60, SYSTEM).pk
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        inputs = set(pool.map(lambda _: register(), range(4)))
    assert len(inputs) == 1 and Magic7Input.objects.count() == 1
    assert DataRun.objects.filter(run_id=RUN).count() == 1
