"""The upload form sent back with its problems (without a browser): each under its field, the
commit and ticks kept, the event recorded, nothing registered; Publish asks first."""

import pytest

from l2portal.ledger.models import LedgerEvent

from .conftest import current_visp_ids, inversion_files

pytestmark = pytest.mark.django_db


def test_a_refused_upload_comes_back_with_each_problem_under_its_field(client, working, scientist, tmp_path):
    client.force_login(scientist)
    kept = current_visp_ids(working)[:1]
    with inversion_files(tmp_path, working) as files:
        files.pop("original_profiles")
        response = client.post(
            f"/programs/{working.pk}/upload/",
            {**files, "software_commit": "not-a-commit", "dataset_ids": kept},
        )
    page = response.content.decode()
    assert response.status_code == 400
    assert (
        'id="upload-original_profiles-error">original profiles file: missing; choose the per_ori.fits' in page
    )
    assert 'id="upload-commit-error">software commit &#x27;not-a-commit&#x27; is not a git commit' in page
    assert 'value="not-a-commit"' in page
    assert page.count('name="dataset_ids"') == len(current_visp_ids(working))
    assert page.count(f'value="{kept[0]}" checked') >= 1
    others = [d for d in current_visp_ids(working) if d not in kept]
    assert all(f'value="{d}" checked' not in page for d in others)
    assert "Nothing was uploaded: 2 problems" in page
    working.refresh_from_db()
    assert working.state == "working" and not working.inversions.exists()
    assert LedgerEvent.objects.filter(kind="upload_refused", subject_id=str(working.pk)).exists()


def test_check_only_registers_nothing_and_says_what_the_files_hold(client, working, scientist, tmp_path):
    client.force_login(scientist)
    with inversion_files(tmp_path, working) as files:
        response = client.post(
            f"/programs/{working.pk}/upload/",
            {**files, "software_commit": "3f9c2ab", "dataset_ids": current_visp_ids(working), "check": "1"},
        )
    assert response.status_code == 200
    assert "The three files pass every check: " in response.content.decode()
    working.refresh_from_db()
    assert working.state == "working" and not working.inversions.exists()


def test_publish_asks_first(client, inverted, operator, store):
    client.force_login(operator)
    page = client.get(f"/programs/{inverted.pk}/").content.decode()
    assert f'data-confirm="Publish the Level 2 data of {inverted.execution_id}?' in page
