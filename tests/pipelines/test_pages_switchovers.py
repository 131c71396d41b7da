"""The switchover page: operators propose a date, agree, make the switch or cancel."""

import pytest

from pipelines.models import ReprocessingCampaign

from .conftest import RUNS, make_campaign

pytestmark = pytest.mark.django_db
PROPOSAL = {
    "campaign": "P310",
    "proposed_date": "2026-12-01",
    "l1_software": "GlastRelease 20-10-04",
    "l1_from": "2026-12-01T00:00",
}


def test_operators_propose_switchovers_and_agree_on_the_page(client, operator, magic7_runs):
    make_campaign("P310", RUNS)
    client.force_login(operator)
    client.post("/pipelines/switchovers/", PROPOSAL)
    campaign = ReprocessingCampaign.objects.get(name="P310")
    switchover = campaign.switchovers.get()
    client.post(f"/pipelines/switchovers/{switchover.pk}/agree/")
    switchover.refresh_from_db()
    assert switchover.state == "operator_agreed"
    page = client.get("/pipelines/switchovers/").content.decode()
    assert "proposed → operator_agreed" in page and "Agreed by operator" in page
    assert "<b>GlastRelease 20-10-04</b> makes new files from <b>2026-12-01 00:00:00 UTC</b>" in page
    assert "✘ <b>campaign validated</b>: campaign P310 is Defined" in page
    assert client.post(f"/pipelines/switchovers/{switchover.pk}/explode/").status_code == 404


def test_a_refused_step_is_shown_on_the_switchover_page(client, operator, scientist, magic7_runs):
    make_campaign("P310", RUNS)
    client.force_login(operator)
    client.post("/pipelines/switchovers/", PROPOSAL)
    switchover = ReprocessingCampaign.objects.get(name="P310").switchovers.get()
    url = "/pipelines/switchovers/"
    done = client.post(f"{url}{switchover.pk}/done/", {"next": url}, follow=True)
    assert done.redirect_chain == [(url, 302)]
    assert "cannot be completed: campaign validated: campaign P310 is Defined" in done.content.decode()
    client.force_login(scientist)
    agree = client.post(f"{url}{switchover.pk}/agree/", {"next": url}, follow=True)
    assert "only operators or fsscs may agree to the switchover" in agree.content.decode()
    assert "Propose a switchover" not in agree.content.decode()
    switchover.refresh_from_db()
    assert switchover.state == "proposed" and not switchover.transitions.exists()


def test_cancel_asks_first(client, operator, magic7_runs):
    make_campaign("P310", RUNS)
    client.force_login(operator)
    client.post("/pipelines/switchovers/", PROPOSAL)
    switchover = ReprocessingCampaign.objects.get(name="P310").switchovers.get()
    url = f"/pipelines/switchovers/{switchover.pk}/cancel/"
    page = client.get("/pipelines/switchovers/").content.decode()
    assert f'action="{url}" class="action" data-confirm="Cancel this switchover?' in page
    assert client.get(url).status_code == 405  # only a POST acts
    client.post(url, {"next": "/pipelines/switchovers/"})
    switchover.refresh_from_db()
    assert switchover.state == "cancelled"
