import json

import pytest
from django.core.management import CommandError, call_command

from pipelines.models import BtiSet, CampaignRun, Magic7Input, ReprocessingCampaign
from pipelines.science import orbitgen

from .conftest import RUNS

pytestmark = pytest.mark.django_db


def test_generate_create_start_and_submit_bti_from_the_command_line(
    tmp_path, capsys, django_capture_on_commit_callbacks
):
    call_command("generate_demo_magic7", *map(str, RUNS[:2]), "--seconds", "90")
    assert Magic7Input.objects.count() == 2
    bti = tmp_path / "bti.json"
    bti.write_text(
        json.dumps({"reason": "flare", "intervals": [{"start": RUNS[0], "stop": RUNS[0] + 30, "value": -1}]})
    )
    call_command("submit_bti", str(RUNS[0]), "--file", str(bti))
    assert BtiSet.objects.get().reason == "flare"
    call_command("create_campaign", "P310", "--runs", f"{RUNS[0]}:{RUNS[-1]}")
    call_command("create_campaign", "P311", "--run-list", f"{RUNS[1]}")
    assert ReprocessingCampaign.objects.get(name="P311").campaign_runs.get().data_run.run_id == RUNS[1]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("start_campaign", "P311")
    assert CampaignRun.objects.get(campaign__name="P311").state == "ready"
    assert "1 queued" in capsys.readouterr().out


def test_register_magic7_makes_the_file_the_runs_input(tmp_path):
    source = tmp_path / "magic7_110517.txt.gz"
    orbitgen.write_magic7(source, RUNS[0], RUNS[0] + 60)
    call_command("register_magic7", str(RUNS[0]), str(source), "--stop", str(RUNS[0] + 60))
    magic7 = Magic7Input.objects.get()
    assert (magic7.met_start, magic7.met_stop) == (RUNS[0], RUNS[0] + 60)
    assert magic7.product.path.startswith(
        f"RAW/magic7/raw_magic7_r0{RUNS[0]}_"
    ) and magic7.product.path.endswith(".gz")
    with pytest.raises(CommandError, match="must be after start"):
        call_command("register_magic7", str(RUNS[0]), str(source), "--stop", str(RUNS[0]))


def test_commands_report_bad_input(tmp_path):
    with pytest.raises(CommandError, match="FIRST:LAST"):
        call_command("create_campaign", "P310", "--runs", "12")
    with pytest.raises(CommandError, match="no data run with a magic7 input"):
        call_command("create_campaign", "P310", "--runs", "1:2")
    with pytest.raises(CommandError, match="no campaign P999"):
        call_command("start_campaign", "P999")
    with pytest.raises(CommandError, match="No such file"):
        call_command("submit_bti", "1", "--file", str(tmp_path / "missing.json"))
