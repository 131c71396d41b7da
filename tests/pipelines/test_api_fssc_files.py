"""The FSSC posts the list of run files it holds; the campaign page and the API show the
differences: files of ours missing there, files unknown to us, checksums that disagree."""

import pytest

from l2portal.ledger.models import LedgerEvent

from .conftest import RUNS, make_campaign, run_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(magic7_runs, django_capture_on_commit_callbacks):
    made = make_campaign(runs=RUNS)
    run_campaign(made, django_capture_on_commit_callbacks)
    return made


def test_the_fssc_file_list_is_compared_with_ours(campaign, client_as, client, operator):
    ours = {r.ft2_1s.filename: r.ft2_1s.sha256 for r in campaign.campaign_runs.select_related("ft2_1s")}
    names = sorted(ours)
    held = [
        {"filename": names[0], "sha256": ours[names[0]].upper()},  # the same, in capitals
        {"filename": names[1], "sha256": "0" * 64},
        {"filename": "gll_pt1s_p310_r0999999999_v001.fit", "sha256": "1" * 64},
    ]
    fssc = client_as("fssc")
    assert (
        client_as("scientist")
        .post(f"/api/campaigns/{campaign.pk}/fssc-files/", {"files": held}, format="json")
        .status_code
        == 403
    )
    answer = fssc.post(f"/api/campaigns/{campaign.pk}/fssc-files/", {"files": held}, format="json")
    assert answer.status_code == 200
    assert answer.json() == {"listed": 3, "missing": 4, "unknown": 1, "disagreeing": 1}
    differences = fssc.get(f"/api/campaigns/{campaign.pk}/fssc-differences/").json()
    assert differences["unknown"]["files"] == ["gll_pt1s_p310_r0999999999_v001.fit"]
    assert differences["disagreeing"]["files"] == [
        {"filename": names[1], "fssc": "0" * 64, "ours": ours[names[1]]}
    ]
    assert names[2] in differences["missing"]["files"] and names[0] not in differences["missing"]["files"]
    assert all(name.startswith("gll_pt_") for name in differences["missing"]["files"] if name not in names)
    client.force_login(operator)
    page = client.get(f"/pipelines/campaigns/{campaign.pk}/").content.decode()
    assert "Missing at the FSSC" in page and "<code>gll_pt1s_p310_r0999999999_v001.fit</code>" in page
    assert f"<td><code>{names[1]}</code></td><td><code>0000000000000000000…</code></td>" in page
    # A later list replaces the earlier one.
    everything = [
        {"filename": r.ft2_1s.filename, "sha256": r.ft2_1s.sha256} for r in campaign.campaign_runs.all()
    ]
    everything += [
        {"filename": r.ft2_30s.filename, "sha256": r.ft2_30s.sha256} for r in campaign.campaign_runs.all()
    ]
    again = fssc.post(f"/api/campaigns/{campaign.pk}/fssc-files/", {"files": everything}, format="json")
    assert again.json() == {"listed": 6, "missing": 0, "unknown": 0, "disagreeing": 0}
    assert LedgerEvent.objects.filter(kind="fssc_file_list").count() == 2


def test_a_list_naming_a_file_twice_or_malformed_is_refused(campaign, client_as):
    fssc = client_as("fssc")
    entry = {"filename": "gll_pt1s_p310_r0545208791_v001.fit", "sha256": "a" * 64}
    twice = fssc.post(f"/api/campaigns/{campaign.pk}/fssc-files/", {"files": [entry, entry]}, format="json")
    assert twice.status_code == 400 and twice.json()["code"] == "fssc_file_list_refused"
    assert "names 1 files twice (gll_pt1s_p310_r0545208791_v001.fit)" in twice.json()["message"]
    bad = fssc.post(
        f"/api/campaigns/{campaign.pk}/fssc-files/",
        {"files": [{"filename": "../x", "sha256": "z"}]},
        format="json",
    )
    assert bad.status_code == 400
    assert not fssc.get(f"/api/campaigns/{campaign.pk}/fssc-differences/").json()["reported"]
