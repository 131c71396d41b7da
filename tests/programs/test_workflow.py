"""Preprocess, claim, release, reassign, upload and publish through the services and the API."""

import json
import threading

import pytest
from astropy.io import fits
from django.db import connection

from l2portal.ledger.models import LedgerEvent, Product
from l2portal.ledger.roles import SCIENTIST
from l2portal.ledger.services import absolute_path, retry
from l2portal.programs import services
from l2portal.programs.metadata_server import MetadataServer
from l2portal.programs.models import Inversion, ObservingProgram
from tests.factories import SYSTEM, user
from tests.programs.conftest import current_visp_ids, inversion_files, invertible, write_sources

pytestmark = pytest.mark.django_db


# --- Preprocess -----------------------------------------------------------------------------------


def test_preprocess_fetches_frames_writes_the_manifest_and_skips_on_rerun(
    loaded, django_capture_on_commit_callbacks, operator
):
    program = invertible(0)
    sources = write_sources(program, n_frames=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_preprocess(program, operator)
    program.refresh_from_db()
    assert program.state == "preprocessed"
    assert program.progress["state"] == "done" and program.progress["files_done"] == len(sources) == 6
    manifest = json.loads(absolute_path(program.manifest).read_text())
    assert manifest["program_id"] == program.execution_id
    assert set(manifest["datasets"]) == set(current_visp_ids(program))
    assert manifest["lines"]["Fe I 630"]["frame_count"] == 2
    scratch = services.scratch_folder(program)
    assert len(list(scratch.rglob("*_L1.fits"))) == 6
    assert program.transitions.last().details["manifest"] == program.manifest.path

    # Again (an operator's "preprocess again"): complete files are skipped, the same manifest is kept.
    services.run_preprocess(program.pk, SYSTEM)
    program.refresh_from_db()
    assert program.progress["skipped"] == 6 and program.state == "preprocessed"
    assert Product.objects.filter(product_type="inversion_manifest").count() == 1


def test_preprocess_failure_goes_to_error_and_retry_runs_it_again(loaded, django_capture_on_commit_callbacks):
    program = invertible(0)
    services.run_preprocess(program.pk, SYSTEM)  # no L1 source written yet
    program.refresh_from_db()
    assert program.state == "error" and "SHA256SUMS" in program.transitions.last().reason
    write_sources(program)
    with django_capture_on_commit_callbacks(execute=True):
        retry(program, SYSTEM)
    program.refresh_from_db()
    assert program.state == "preprocessed"


def test_preprocess_refuses_a_dataset_id_that_would_leave_the_folders(loaded):
    program = invertible(0)
    first = (
        program.datasets.filter(superseded=False, instrument_name__iexact="VISP")
        .order_by("dataset_id")
        .first()
    )
    program.datasets.filter(pk=first.pk).update(dataset_id="../../etc")
    services.run_preprocess(program.pk, SYSTEM)
    program.refresh_from_db()
    assert program.state == "error"
    assert "cannot name a folder" in program.transitions.last().reason
    assert not any(services.scratch_folder(program).rglob("*.fits"))


def test_preprocess_is_for_operators_and_invertible_programs(loaded, scientist, operator):
    with pytest.raises(services.NotPermitted):
        services.request_preprocess(invertible(0), scientist)
    not_invertible = ObservingProgram.objects.filter(state="not_invertible").first()
    with pytest.raises(services.ActionRefused, match="needs Invertible"):
        services.request_preprocess(not_invertible, operator)
    assert LedgerEvent.objects.filter(kind="action_refused").count() == 2


# --- Claim, release, reassign ---------------------------------------------------------------------


def test_claim_release_and_reassign(preprocessed, scientist, other_scientist, operator):
    services.claim(preprocessed, scientist)
    preprocessed.refresh_from_db()
    assert (preprocessed.state, preprocessed.owner) == ("working", scientist)
    with pytest.raises(services.ActionRefused, match="already claimed by scientist"):
        services.claim(preprocessed, other_scientist)
    with pytest.raises(services.NotPermitted):
        services.release(preprocessed, other_scientist)
    services.reassign(preprocessed, "marie", operator)
    preprocessed.refresh_from_db()
    assert preprocessed.owner == other_scientist and preprocessed.state == "working"
    assert LedgerEvent.objects.filter(kind="program_reassigned").exists()
    services.release(preprocessed, other_scientist)
    preprocessed.refresh_from_db()
    assert (preprocessed.state, preprocessed.owner) == ("preprocessed", None)
    with pytest.raises(services.ActionRefused, match="not a scientist"):
        services.reassign(preprocessed, "operator", operator)
    assert [t.to_state for t in preprocessed.transitions.all()][-3:] == [
        "preprocessed",
        "working",
        "preprocessed",
    ]


def test_claim_refused_for_other_states_and_roles(loaded, scientist, operator):
    with pytest.raises(services.ActionRefused, match="not Preprocessed"):
        services.claim(invertible(0), scientist)
    with pytest.raises(services.NotPermitted):
        services.claim(invertible(0), operator)
    assert invertible(0).state == "invertible"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_claims_leave_one_owner(preprocessed):
    scientists = [user(f"sci{n}", SCIENTIST) for n in range(20)]
    barrier = threading.Barrier(len(scientists))
    outcomes = []

    def attempt(person):
        try:
            barrier.wait()
            program = ObservingProgram.objects.get(pk=preprocessed.pk)
            services.claim(program, person)
            outcomes.append(("won", person.username))
        except services.ActionRefused as error:
            outcomes.append(("refused", str(error)))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(person,)) for person in scientists]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [name for outcome, name in outcomes if outcome == "won"]
    assert len(outcomes) == 20 and len(winners) == 1
    program = ObservingProgram.objects.get(pk=preprocessed.pk)
    assert program.state == "working" and program.owner.username == winners[0]
    assert program.transitions.filter(to_state="working").count() == 1


# --- Upload ---------------------------------------------------------------------------------------


def test_upload_registers_products_and_moves_to_inverted(working, scientist, tmp_path):
    ids = current_visp_ids(working)
    with inversion_files(tmp_path, working) as files:
        inversion = services.upload_inversion(working, scientist, files, ids[:2], "3F9C2AB")
    working.refresh_from_db()
    assert working.state == "inverted"
    assert inversion.software_commit == "3f9c2ab" and sorted(
        d.dataset_id for d in inversion.datasets.all()
    ) == sorted(ids[:2])
    assert inversion.summary["n_frames"] == 3 and inversion.summary["lines"] == ["Fe I 630", "Ca II 854"]
    for product in (inversion.quantities, inversion.fit_profiles, inversion.original_profiles):
        assert product.collection.name == "L2INV" and absolute_path(product).is_file()
        assert product.produced_by.task_name.endswith("upload_inversion")
        assert working.manifest in product.produced_by.inputs.all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"commit": "not a commit"}, "is not a git commit"),
        ({"ids": []}, "tick at least one dataset"),
        ({"ids": ["NOPE"]}, "datasets not in"),
        ({"program_id": "someone_else"}, "OBSPR_ID is 'someone_else'"),
        ({"broken": True}, "not a readable FITS file"),
    ],
)
def test_bad_upload_is_refused_and_changes_nothing(working, scientist, tmp_path, change, message):
    with inversion_files(
        tmp_path, invertible(0) if "program_id" not in change else _named(change["program_id"])
    ) as files:
        if change.get("broken"):
            files["quantities"] = open(tmp_path / "inv_res_mod.fits.txt", "w+b")  # noqa: SIM115
            files["quantities"].write(b"not FITS" * 100)
            files["quantities"].seek(0)
        with pytest.raises(services.ActionRefused, match=message):
            services.upload_inversion(
                working,
                scientist,
                files,
                change.get("ids", current_visp_ids(working)),
                change.get("commit", "abc1234"),
            )
    working.refresh_from_db()
    assert working.state == "working" and not Inversion.objects.exists()
    assert not Product.objects.filter(collection__name="L2INV").exists()
    assert LedgerEvent.objects.filter(kind="upload_refused", message__contains=message.split("'")[0]).exists()


def _named(execution_id):
    return ObservingProgram(execution_id=execution_id)


def test_only_the_owner_uploads(working, other_scientist, tmp_path):
    with inversion_files(tmp_path, working) as files, pytest.raises(services.NotPermitted):
        services.upload_inversion(working, other_scientist, files, current_visp_ids(working), "abc1234")


# --- Publish --------------------------------------------------------------------------------------


def test_publish_writes_level2_products_and_tells_the_store(
    inverted, operator, settings, django_capture_on_commit_callbacks
):
    with MetadataServer() as store:
        settings.METADATA_STORE_URL = store.url
        with django_capture_on_commit_callbacks(execute=True):
            services.request_publish(inverted, operator)
        [mutation] = store.mutations
    inverted.refresh_from_db()
    assert inverted.state == "published"
    inversion = inverted.inversions.get()
    assert inversion.store_answer["inversionId"] == inversion.inversion_id == mutation["inversionId"]
    assert mutation["datasetIds"] == sorted(current_visp_ids(inverted))
    assert mutation["primaryProposalId"] == inverted.proposal_id and mutation["spectralLines"] == [
        "Fe I 630",
        "Ca II 854",
    ]
    frames = Product.objects.filter(product_type="level2_frame").order_by("path")
    assert frames.count() == 3 and frames[0].collection.name == "L2"
    header = fits.getheader(absolute_path(frames[0]))
    assert header["OBSPR_ID"] == inverted.execution_id and header["SWCOMMIT"] == "3f9c2ab"
    assert header["DSETIDS"].split(",") == mutation["datasetIds"]


@pytest.mark.parametrize("fault", ["graphql_error", "http_500"])
def test_publish_failure_goes_to_error_and_retry_publishes(
    inverted, operator, settings, django_capture_on_commit_callbacks, fault
):
    with MetadataServer() as store:
        settings.METADATA_STORE_URL = store.url
        store.inject_fault(fault)
        with django_capture_on_commit_callbacks(execute=True):
            services.request_publish(inverted, operator)
        inverted.refresh_from_db()
        assert inverted.state == "error" and "publishing failed" in inverted.transitions.last().reason
        assert store.mutations == []
        with django_capture_on_commit_callbacks(execute=True):
            retry(inverted, SYSTEM)
        assert len(store.mutations) == 1
    inverted.refresh_from_db()
    assert inverted.state == "published"
    assert Product.objects.filter(product_type="level2_frame").count() == 3  # the first attempt's reused


def test_publish_is_for_operators(inverted, scientist):
    with pytest.raises(services.NotPermitted):
        services.request_publish(inverted, scientist)


# --- API roles ------------------------------------------------------------------------------------


def test_api_actions_check_roles(preprocessed, scientist, operator, other_scientist, client):
    url = f"/api/programs/{preprocessed.pk}"
    client.force_login(operator)
    assert client.post(f"{url}/claim/").status_code == 403
    client.force_login(scientist)
    assert client.post(f"{url}/reassign/", {"username": "marie"}).status_code == 403
    assert client.post(f"{url}/publish/").status_code == 403
    assert client.post(f"{url}/priority/", {"priority": 5}).status_code == 403
    response = client.post(f"{url}/claim/")
    assert response.status_code == 200 and response.json()["owner"] == "scientist"
    assert response.json()["state"] == "working"
    client.force_login(other_scientist)
    assert client.post(f"{url}/claim/").status_code == 409
    assert client.post(f"{url}/release/").status_code == 403
    client.force_login(operator)
    assert client.post(f"{url}/reassign/", {"username": "marie"}).json()["owner"] == "marie"
    assert client.post(f"{url}/priority/", {"priority": 7}).json()["priority"] == 7
    assert client.post(f"{url}/publish/").status_code == 409
    history = client.get(f"{url}/history/")
    assert history.json()["results"][-1]["to_state"] == "working"


def test_api_upload_by_the_owner(working, scientist, client, tmp_path):
    client.force_login(scientist)
    with inversion_files(tmp_path, working) as files:
        body = {**files, "dataset_ids": current_visp_ids(working), "software_commit": "abcdef1"}
        response = client.post(f"/api/programs/{working.pk}/upload/", body)
    assert response.status_code == 201, response.content
    assert response.json()["software_commit"] == "abcdef1"
    assert ObservingProgram.objects.get(pk=working.pk).state == "inverted"


def test_api_scan_action_is_for_operators(loaded, scientist, operator, client, settings):
    client.force_login(scientist)
    assert client.post("/api/scans/run/", {}, content_type="application/json").status_code == 403
    client.force_login(operator)
    settings.METADATA_STORE_URL = ""
    assert client.post("/api/scans/run/", {}, content_type="application/json").status_code == 202


# --- Rules as data, re-qualification, retry from the page -----------------------------------------


def test_rules_from_the_database_and_requalify(loaded, operator, scientist, client):
    from l2portal.programs.models import QualificationRuleSet

    program = invertible(0)
    assert program.qualification["checks"]["health"]["threshold"] == 0.75
    QualificationRuleSet.objects.create(name="strict health", rules={"min_health_good_fraction": 0.95})
    client.force_login(scientist)
    assert client.post(f"/api/programs/{program.pk}/requalify/").status_code == 403
    client.force_login(operator)
    body = client.post(f"/api/programs/{program.pk}/requalify/").json()
    assert body["state"] == "not_invertible" and body["rules_version"].endswith("strict health")
    assert body["qualification"]["checks"]["health"] == {
        "passed": False,
        "value": body["qualification"]["checks"]["health"]["value"],
        "threshold": 0.95,
        "detail": body["qualification"]["checks"]["health"]["detail"],
    }


def test_settings_rules_apply_without_a_database_row(loaded, operator, settings):
    settings.PROGRAMS_QUALIFICATION_RULES = '{"require_on_disk": false}'
    program = services.requalify(
        ObservingProgram.objects.get(execution_id=invertible(6).execution_id), operator
    )
    assert "on_disk" not in program.qualification["checks"]  # off_disk scenario, disk check off
    assert program.state == "invertible" and program.rules_version == "settings"


def test_retry_from_the_page_is_for_operators(loaded, operator, scientist, client):
    program = invertible(0)
    services.run_preprocess(program.pk, SYSTEM)  # no sources: fails
    write_sources(program)
    client.force_login(scientist)
    client.post(f"/programs/{program.pk}/retry/")
    assert ObservingProgram.objects.get(pk=program.pk).state == "error"
    client.force_login(operator)
    client.post(f"/programs/{program.pk}/retry/")
    # The retry is enqueued at commit; the test transaction never commits, so it waits in Invertible.
    assert ObservingProgram.objects.get(pk=program.pk).state == "invertible"
