"""The operators' commands: scan_metadata (offline response files) and list_programs."""

import json

import pytest
from django.core.management import CommandError, call_command

from l2portal.programs.models import Dataset
from l2portal.programs.standins import synthetic

pytestmark = pytest.mark.django_db

N_PROGRAMS = len(synthetic.SCENARIOS)


def test_offline_files_and_list_programs_json(tmp_path, capsys):
    records = synthetic.generate_records(N_PROGRAMS)
    first, second = tmp_path / "f1.json", tmp_path / "f2.json"
    first.write_text(json.dumps(synthetic.inventory_response(records[:40])))
    second.write_text(json.dumps(synthetic.inventory_response(records[40:])))
    call_command("scan_metadata", "--file", str(first), str(second))
    assert "new" in capsys.readouterr().out
    assert Dataset.objects.count() == len(records)

    call_command("list_programs", "--json")
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == N_PROGRAMS
    entry = next(p for p in listed if p["id"] == synthetic.program_id_for(0))
    assert set(entry) == {"id", "proposal", "instruments", "state", "dataset_ids", "qualification"}
    assert entry["instruments"] == ["VBI", "VISP"] and entry["state"] == "invertible"
    assert len(entry["dataset_ids"]) == 9
    assert entry["qualification"]["invertible"] is True
    health = entry["qualification"]["checks"]["health"]
    assert set(health) == {"passed", "value", "threshold"} and health["threshold"] == 0.75


def test_offline_file_that_is_not_a_response_is_refused(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"data": {}}')
    with pytest.raises(CommandError, match=r"no data\.datasetInventories"):
        call_command("scan_metadata", "--file", str(bad))
    assert Dataset.objects.count() == 0
