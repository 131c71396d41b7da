"""Forms that are easy to get right: Backfill and Agree ask first in the site's one dialog, their
fields say what they take, and a wrong value is said in words, never as exception text."""

import pytest

from pipelines.models import ReprocessingCampaign

from .conftest import RUNS, campaign_with_states, make_campaign

pytestmark = pytest.mark.django_db


def test_backfill_asks_first_and_says_it_wants_a_runs_met(client, operator):
    campaign = campaign_with_states("P310", ["ready", "generating"])
    client.force_login(operator)
    url = f"/pipelines/campaigns/{campaign.pk}/"
    page = client.get(url).content.decode()
    assert 'class="campaign-form" data-confirm="Backfill campaign P310?' in page
    assert "Backfill up to run <small>(the run's MET: its start, in mission seconds)" in page
    refused = client.post(f"{url}backfill/", {"last_run": "r0546407418", "next": url}, follow=True)
    said = refused.content.decode()
    assert "&#x27;r0546407418&#x27; is not a run; give the last run to reach by its MET" in said
    assert "Enter a whole number" not in said and "* last_run" not in said
    campaign.refresh_from_db()
    assert campaign.backfills == 0


def test_a_run_list_with_something_else_than_runs_is_said_in_words(client, operator, magic7_runs):
    client.force_login(operator)
    page = client.post("/pipelines/", {"name": "P310", "run_list": f"{RUNS[0]}, r2, next"}).content.decode()
    assert "run list: not runs: r2, next; name each run by its MET" in page
    assert "invalid literal" not in page and not ReprocessingCampaign.objects.exists()


def test_agree_asks_first(client, operator, magic7_runs):
    make_campaign("P310", RUNS)
    client.force_login(operator)
    proposal = {
        "campaign": "P310",
        "proposed_date": "2026-12-01",
        "l1_software": "GlastRelease 20-10-04",
        "l1_from": "2026-12-01T00:00",
    }
    client.post("/pipelines/switchovers/", proposal)
    page = client.get("/pipelines/switchovers/").content.decode()
    assert 'data-confirm="Agree, for the operators, to switch P310 over on 2026-12-01' in page
