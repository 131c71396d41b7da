"""A campaign records its definition set; each run's Execution names the set, the IGRF generation
and the library versions, and the campaign and run pages show them."""

import pytest
from astropy.io import fits

from l2portal.ledger.models import Execution
from l2portal.registry.services import absolute_path
from pipelines import services
from pipelines.science import ft2science
from tests.factories import SYSTEM

from .conftest import RUNS, make_campaign, run_campaign

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("definitions", ft2science.available())
def test_each_definition_set_is_recorded_and_shown(
    definitions, magic7_runs, client, operator, django_capture_on_commit_callbacks
):
    campaign = make_campaign(runs=RUNS[:1], definitions=definitions)
    assert campaign.definitions == definitions and campaign.mode == "generate"
    run_campaign(campaign, django_capture_on_commit_callbacks)
    run = campaign.campaign_runs.get()
    expected = ft2science.versions(definitions)
    assert run.state == "ready" and run.provenance["definitions"] == definitions
    execution = Execution.objects.get(task_name="pipelines.tasks.process_campaign_run")
    recorded = execution.parameters["ft2"]
    assert {key: recorded[key] for key in expected} == expected
    assert {key: execution.software[key] for key in ("numpy", "astropy", "pyerfa", "iers")} == {
        key: expected[key] for key in ("numpy", "astropy", "pyerfa", "iers")
    }
    with fits.open(absolute_path(run.ft2_1s)) as hdul:
        assert (hdul[1].header["FT2DEFS"], hdul[1].header["IGRF"]) == (definitions, expected["igrf"])
    client.force_login(operator)
    campaign_page = client.get(f"/pipelines/campaigns/{campaign.pk}/").content.decode()
    assert f"<code>{definitions}</code> <small>{expected['igrf']}, numpy {expected['numpy']}" in campaign_page
    run_page = client.get(f"/pipelines/runs/{run.pk}/").content.decode()
    assert f"<th>definitions</th><td><code>{definitions}</code>" in run_page
    assert f"<th>igrf</th><td><code>{expected['igrf']}</code>" in run_page
    assert f"<th>numpy</th><td><code>{expected['numpy']}</code>" in run_page
    assert f'href="/registry/executions/{execution.pk}/"' in run_page  # its log, one click away


def test_the_default_definition_set_comes_from_the_settings(magic7_runs, settings):
    settings.PIPELINES_FT2_DEFINITIONS = "fermi-2014"
    assert make_campaign(runs=RUNS[:1]).definitions == "fermi-2014"


def test_an_unknown_definition_set_mode_or_livetime_source_is_refused(magic7_runs):
    with pytest.raises(services.CampaignError) as refused:
        services.create_campaign(
            "P310", SYSTEM, run_ids=[RUNS[0]], definitions="fermi-1999", mode="guess", livetime_source="moon"
        )
    problems = refused.value.details["problems"]
    assert problems[0].startswith("unknown definition set 'fermi-1999' (available: fermi-2014")
    assert "mode 'guess' is not one of carry-forward, generate" in problems[1]
    assert "livetime source 'moon' is not one of previous-ft2, table, command, none" in problems[2]
