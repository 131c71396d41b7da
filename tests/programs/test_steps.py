"""Every program step runs through the ledger's step runner: an exception nobody expected still
moves the program to Error with its reason, the traceback in the run's log; a retry runs it again."""

import pytest

from l2portal.ledger.models import Execution
from l2portal.ledger.services import Actor, retry
from l2portal.programs import services
from l2portal.programs.science import dataset_asdf
from l2portal.programs.services import globus_upload, preprocess
from tests.factories import SYSTEM
from tests.programs.conftest import current_visp_ids, invertible, write_sources

pytestmark = pytest.mark.django_db


def explode(*args, **kwargs):
    raise TypeError("'NoneType' object is not subscriptable")


def failed_run(program, task_name):
    program.refresh_from_db()
    assert program.state == "error"
    reason = program.transitions.last().reason
    assert reason == "unexpected TypeError: 'NoneType' object is not subscriptable"
    run = Execution.objects.get(task_name=task_name, subject_id=str(program.pk))
    assert run.status == "failed" and "Traceback" in run.log_tail and "explode" in run.log_tail
    return run


def test_preprocess(loaded, operator, monkeypatch, django_capture_on_commit_callbacks):
    program = invertible(0)
    write_sources(program)
    monkeypatch.setattr(preprocess, "build_inversion_manifest", explode)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_preprocess(program, Actor.of_user(operator))
    failed_run(program, "l2portal.programs.tasks.preprocess_program")
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        retry(program, SYSTEM)
    program.refresh_from_db()
    assert program.state == "preprocessed"


def test_publish(inverted, operator, store, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(dataset_asdf, "write_dataset_asdf", explode)  # publish imports it when it runs
    with django_capture_on_commit_callbacks(execute=True):
        services.request_publish(inverted, Actor.of_user(operator))
    failed_run(inverted, "l2portal.programs.tasks.publish_program")
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        retry(inverted, SYSTEM)
    inverted.refresh_from_db()
    assert inverted.state == "published" and len(store.mutations) == 1


def test_fetching_results_by_globus(
    working, scientist, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.PROGRAMS_TRANSFER_BACKEND, settings.PROGRAMS_GLOBUS_PORTAL_ENDPOINT = "globus", "PORTAL"
    monkeypatch.setattr(globus_upload, "run_transfer", explode)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_globus_upload(
            working,
            Actor.of_user(scientist),
            "6c54cade-bde5-45c1-bdea-f4bd71dba2cc",
            "/p/",
            current_visp_ids(working),
            "3f9c2ab",
        )
    failed_run(working, "l2portal.programs.tasks.fetch_inversion_results")
