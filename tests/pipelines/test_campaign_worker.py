"""A campaign through a real Celery worker (fits queue) with the fan-in to validating."""

import pytest

from l2portal.ledger.models import Execution, FanIn
from pipelines import services
from pipelines.models import CampaignRun, ReprocessingCampaign
from tests.conftest import wait_for
from tests.factories import SYSTEM

from .conftest import RUNS, SPAN, make_campaign
from .production import register_production

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_campaign_runs_on_the_worker_and_fans_in_to_validating(celery_worker_process):
    services.generate_demo_magic7(RUNS[:2], SPAN, SYSTEM)
    campaign = make_campaign(runs=RUNS[:2])
    services.start_campaign(campaign, SYSTEM)

    def finished():
        return ReprocessingCampaign.objects.get(pk=campaign.pk).state in ("validated", "error")

    wait_for(finished, timeout=120)
    campaign.refresh_from_db()
    assert campaign.state == "validated"
    moves = list(campaign.transitions.values_list("to_state", "actor_task"))
    assert moves == [
        ("running", ""),
        ("validating", "pipelines.tasks.finish_campaign_pass"),
        ("validated", "pipelines.tasks.finish_campaign_pass"),
    ]
    assert set(CampaignRun.objects.values_list("state", flat=True)) == {"ready"}
    runs = Execution.objects.filter(task_name="pipelines.tasks.process_campaign_run")
    assert runs.count() == 2 and set(runs.values_list("status", flat=True)) == {"succeeded"}
    assert FanIn.objects.get(key=services.pass_key(campaign)).fired_at is not None


def test_a_carry_forward_campaign_runs_on_the_worker_and_records_what_made_its_files(
    celery_worker_process, tmp_path
):
    services.generate_demo_magic7(RUNS[:2], SPAN, SYSTEM)
    register_production(tmp_path, RUNS[:2])
    campaign = make_campaign(runs=RUNS[:2])
    assert campaign.mode == "carry-forward"
    services.start_campaign(campaign, SYSTEM)
    wait_for(
        lambda: ReprocessingCampaign.objects.get(pk=campaign.pk).state in ("validated", "error"), timeout=120
    )
    campaign.refresh_from_db()
    assert campaign.state == "validated"
    runs = CampaignRun.objects.filter(campaign=campaign)
    assert set(runs.values_list("mode", "livetime_source", "comparison")) == {
        ("carry-forward", "previous-ft2", "same")
    }
    executions = Execution.objects.filter(task_name="pipelines.tasks.process_campaign_run")
    assert {e.parameters["ft2"]["previous"][0] for e in executions} == {
        f"gll_pt1s_p202_r0{run}_v001.fit" for run in RUNS[:2]
    }
    assert all(e.parameters["ft2"]["numpy"] == e.software["numpy"] for e in executions)
