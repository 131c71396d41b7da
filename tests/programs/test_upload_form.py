"""The upload form sent back with its problems (without a browser): each under its field, the
commit and ticks kept, the event recorded, nothing registered; Publish asks first."""

import re
import tarfile

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from l2portal.ledger.models import LedgerEvent
from l2portal.programs.science.inversion import InversionFiles, validate_inversion_files
from l2portal.programs.services.results import FILE_NAMES

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


def test_the_sample_the_form_offers_passes_every_check_for_any_program(client, working, scientist, tmp_path):
    client.force_login(scientist)
    page = client.get(f"/programs/{working.pk}/").content.decode()
    link = re.search(r'href="([^"]+)" download id="upload-sample"', page).group(1)
    sample = finders.find(link.removeprefix(settings.STATIC_URL).removeprefix("/static/"))
    with tarfile.open(sample) as tar:
        tar.extractall(tmp_path, filter="data")
    names = {kind: tmp_path / name for kind, name in FILE_NAMES.items()}
    summary = validate_inversion_files(InversionFiles(**names), program_id=working.execution_id)
    assert (summary.n_frames, summary.n_slit, summary.n_depth) == (2, 6, 9)
    assert summary.lines == ("Fe I 630", "Ca II 854")
