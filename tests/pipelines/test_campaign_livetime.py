"""Livetime is never silently zero: a campaign without a livetime source finishes, but its runs are
not offered to the FSSC and it cannot be released; a source that cannot serve a run fails the run."""

import sys

import pytest
from astropy.io import fits

from l2portal.ledger.models import LedgerEvent
from l2portal.registry.services import absolute_path
from pipelines import services
from pipelines.models import FsscDelivery
from tests.factories import SYSTEM

from .conftest import RUNS, SPAN, make_campaign, run_campaign

pytestmark = pytest.mark.django_db


def test_a_campaign_without_livetime_finishes_but_is_neither_released_nor_delivered(
    magic7_runs, client, operator, django_capture_on_commit_callbacks
):
    campaign = make_campaign(runs=RUNS[:2], livetime_source="none")
    run_campaign(campaign, django_capture_on_commit_callbacks)
    assert campaign.state == "validated"
    run = campaign.campaign_runs.order_by("data_run__run_id").first()
    assert run.state == "ready" and run.livetime_source == "none"
    with fits.open(absolute_path(run.ft2_1s)) as hdul:
        assert hdul[1].header["LIVETSRC"] == "none" and not hdul[1].data["LIVETIME"].any()
    assert not FsscDelivery.objects.exists()
    assert LedgerEvent.objects.filter(kind="run_without_livetime").count() == 2
    with pytest.raises(services.NoLivetime) as refused:
        services.release_campaign(campaign, SYSTEM)
    message = refused.value.message
    assert message.startswith(
        "campaign P310 cannot be released: 2 runs have FT2 files made without a livetime"
    )
    assert f"r0{RUNS[0]}, r0{RUNS[1]}" in message and "register the run's livetime table" in message
    with pytest.raises(services.NoLivetime, match="cannot be offered to the FSSC"):
        services.offer_run_to_fssc(run, SYSTEM)
    campaign.refresh_from_db()
    assert campaign.state == "validated" and not FsscDelivery.objects.exists()
    assert LedgerEvent.objects.filter(kind="no_livetime_source").count() == 2
    client.force_login(operator)
    assert (
        "2 runs have FT2 files made without a livetime source"
        in client.get(f"/pipelines/campaigns/{campaign.pk}/").content.decode()
    )
    assert "LIVETIME is 0 in every bin" in client.get(f"/pipelines/runs/{run.pk}/").content.decode()
    released = client.post(f"/api/campaigns/{campaign.pk}/release/")
    assert released.status_code == 409 and released.json()["code"] == "no_livetime_source"
    listed = client.get("/api/campaign-runs/", {"livetime_source": "none", "campaign": "P310"}).json()
    assert listed["count"] == 2 and {r["livetime_source"] for r in listed["results"]} == {"none"}
    assert client.get(f"/api/campaigns/{campaign.pk}/").json()["runs_without_livetime"] == 2


def test_a_registered_table_gives_livetime_and_the_run_is_offered(
    magic7_runs, django_capture_on_commit_callbacks
):
    campaign = make_campaign(runs=RUNS[:1], livetime_source="table")
    run_campaign(campaign, django_capture_on_commit_callbacks)
    run = campaign.campaign_runs.get()
    assert run.livetime_source == "table" and run.provenance["livetime_input"].startswith(
        f"livetime_r0{RUNS[0]}"
    )
    with fits.open(absolute_path(run.ft2_1s)) as one, fits.open(absolute_path(run.ft2_30s)) as thirty:
        live, length = one[1].data["LIVETIME"], one[1].data["STOP"] - one[1].data["START"]
        assert abs(live - 0.9 * length).max() < 1e-9
        assert abs(thirty[1].data["LIVETIME"].sum() - live.sum()) < 1e-6  # 30-s bins sum their 1-s bins
    assert FsscDelivery.objects.filter(campaign_run=run).count() == 2


def test_a_run_without_its_table_fails_saying_what_to_register(
    magic7_runs, django_capture_on_commit_callbacks
):
    services.generate_demo_magic7([RUNS[0] + 7], SPAN, SYSTEM, livetime=False)
    campaign = make_campaign(runs=[RUNS[0] + 7], livetime_source="table")
    run_campaign(campaign, django_capture_on_commit_callbacks)
    run = campaign.campaign_runs.get()
    assert run.state == "error"
    assert run.transitions.last().reason == (
        f"no livetime table registered for run r0{RUNS[0] + 7}; register livetime_r0{RUNS[0] + 7}.csv "
        "(manage.py register_ft2_inputs) and retry the run"
    )


def test_the_livetime_command_serves_a_run(
    magic7_runs, settings, tmp_path, django_capture_on_commit_callbacks
):
    script = tmp_path / "livetime.py"  # a stand-in for the LAT's tool: half of the run is live
    script.write_text(
        "import sys\n"
        "output, start, stop = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])\n"
        "open(output, 'w').write(f'START,STOP,LIVETIME\\n{start!r},{stop!r},{(stop - start) / 2!r}\\n')\n"
    )
    settings.PIPELINES_LIVETIME_COMMAND = f"{sys.executable} {script} {{output}} {{start}} {{stop}}"
    campaign = make_campaign(runs=RUNS[:1])
    assert campaign.livetime_source == "command"  # the default once a command is configured
    run_campaign(campaign, django_capture_on_commit_callbacks)
    run = campaign.campaign_runs.get()
    assert run.state == "ready" and run.livetime_source == "command"
    with fits.open(absolute_path(run.ft2_30s)) as hdul:
        assert abs(hdul[1].data["LIVETIME"].sum() - SPAN / 2) < 1e-6
