"""Retrying the selected failed runs of a campaign at once: on the page (with a confirmation) and
through the API; refused, recorded and nothing changed for a scientist, a run that is not failed,
a run of another campaign or an empty selection."""

import pytest

from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.services import Actor
from pipelines import services
from pipelines.models import CampaignRun

from .conftest import api_client, campaign_with_states

pytestmark = pytest.mark.django_db


def states(campaign):
    return list(campaign.campaign_runs.order_by("data_run__run_id").values_list("state", flat=True))


def run_ids(campaign, state):
    runs = campaign.campaign_runs.filter(state=state).order_by("data_run__run_id")
    return list(runs.values_list("data_run__run_id", flat=True))


def test_the_selected_failed_runs_go_back_to_the_step_each_failed_in(
    operator, django_capture_on_commit_callbacks
):
    campaign = campaign_with_states("P310", ["error", "ready", "error", "error"])
    failed = run_ids(campaign, "error")
    with django_capture_on_commit_callbacks() as sent:
        result = services.retry_failed_runs(campaign, failed[:2], Actor.of_user(operator))
    assert result == {"retried": failed[:2]}
    assert states(campaign) == ["pending", "ready", "pending", "error"]
    assert len(sent) == 2  # one task per retried run, after the commit
    moves = CampaignRun.transition_model().objects.filter(from_state="error").order_by("id")
    assert [m.reason for m in moves] == ["retried with 2 selected runs of P310"] * 2


@pytest.mark.parametrize(
    ("who", "pick", "status", "code"),
    [
        ("scientist", "error", 403, "not_permitted"),
        ("operator", "ready", 409, "runs_not_failed"),
        ("operator", "unknown", 400, "unknown_runs"),
        ("operator", "none", 400, "no_runs_selected"),
    ],
)
def test_refused_retries_change_nothing_and_are_recorded(request, who, pick, status, code):
    campaign = campaign_with_states("P310", ["error", "ready"])
    picked = {"error": run_ids(campaign, "error"), "none": [], "unknown": [1]}.get(pick)
    picked = picked if picked is not None else run_ids(campaign, "error") + run_ids(campaign, "ready")
    answer = api_client(request.getfixturevalue(who)).post(
        f"/api/campaigns/{campaign.pk}/retry-runs/", {"run_ids": picked}, format="json"
    )
    assert answer.status_code == status and answer.json()["code"] == code
    assert states(campaign) == ["error", "ready"]
    assert LedgerEvent.objects.filter(kind=code, subject_id=str(campaign.pk)).count() == 1


def test_the_api_retries_and_answers_what_it_retried(operator, django_capture_on_commit_callbacks):
    campaign = campaign_with_states("P310", ["error", "error"])
    failed = run_ids(campaign, "error")
    with django_capture_on_commit_callbacks():
        answer = api_client(operator).post(
            f"/api/campaigns/{campaign.pk}/retry-runs/", {"run_ids": failed}, format="json"
        )
    assert answer.status_code == 202 and answer.json() == {"retried": failed}
    assert states(campaign) == ["pending", "pending"]


def test_the_page_asks_before_retrying_and_then_retries(client, operator, django_capture_on_commit_callbacks):
    campaign = campaign_with_states("P310", ["error", "ready", "error"])
    failed = run_ids(campaign, "error")
    client.force_login(operator)
    url = f"/pipelines/campaigns/{campaign.pk}/"
    page = client.get(url, {"state": "error"}).content.decode()
    assert page.count('name="run"') == 2 and 'form="bulk-retry"' in page and "magic7 unusable" in page
    assert 'id="bulk-retry" class="bulk-retry" data-confirm="Retry the selected failed runs?' in page
    with django_capture_on_commit_callbacks():
        done = client.post(f"{url}retry/", {"run": failed, "next": url}, follow=True)
    assert "2 failed runs sent back to the step each failed in" in done.content.decode()
    assert states(campaign) == ["pending", "ready", "pending"]


def test_a_stale_selection_is_refused_on_the_page_with_why(client, operator):
    campaign = campaign_with_states("P310", ["error", "ready"])
    client.force_login(operator)
    url = f"/pipelines/campaigns/{campaign.pk}/"
    picked = run_ids(campaign, "error") + run_ids(campaign, "ready")
    done = client.post(f"{url}retry/", {"run": picked, "next": url}, follow=True)
    assert done.redirect_chain == [(url, 302)]
    assert "is not failed; nothing was retried" in done.content.decode()
    assert states(campaign) == ["error", "ready"]


def test_scientists_get_no_selection_and_are_refused(client, scientist):
    campaign = campaign_with_states("P310", ["error"])
    client.force_login(scientist)
    url = f"/pipelines/campaigns/{campaign.pk}/"
    assert 'name="run"' not in client.get(url).content.decode()
    refused = client.post(f"{url}retry/", {"run": run_ids(campaign, "error"), "next": url}, follow=True)
    assert "only operators may retry runs of campaign P310" in refused.content.decode()
    assert states(campaign) == ["error"]
