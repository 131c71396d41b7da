"""Preprocessing on a real Celery worker (default queue), its transfer recorded as it goes."""

import pytest

from l2portal.ledger.services import Actor
from l2portal.programs import services
from l2portal.programs.models import ObservingProgram
from tests.conftest import wait_for
from tests.programs.conftest import invertible, write_sources


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_preprocess_runs_on_a_worker(celery_worker_process, loaded, operator):
    program = invertible(0)
    write_sources(program, n_steps=2)
    services.request_preprocess(program, Actor.of_user(operator))  # sent when the request commits
    wait_for(lambda: ObservingProgram.objects.get(pk=program.pk).state == "preprocessed", timeout=90)
    program.refresh_from_db()
    transfer = program.transfers.get()
    assert transfer.status == "succeeded" and transfer.files_done == 24 and transfer.files.count() == 24
    transition = program.transitions.last()
    assert transition.actor_task == "l2portal.programs.tasks.preprocess_program"
    assert program.manifest.produced_by.task_name == "l2portal.programs.tasks.preprocess_program"
