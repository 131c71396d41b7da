import collections

from astropy.io import fits

from l2portal.programs import synthetic
from l2portal.programs.metadata import parse_dataset_inventory, parse_inventories_response
from l2portal.programs.preprocess import DATASET_ID_KEYWORD


def test_records_are_deterministic_and_parse():
    records = synthetic.generate_records(30, seed=4)
    assert records == synthetic.generate_records(30, seed=4)
    assert records != synthetic.generate_records(30, seed=5)
    datasets = parse_inventories_response(synthetic.inventory_response(records))
    assert len({d.dataset_id for d in datasets}) == len(records)
    assert len({d.primary_proposal_id for d in datasets}) == 4


def test_every_scenario_appears_with_visp_and_vbi():
    records = synthetic.generate_records(len(synthetic.SCENARIOS))
    by_program = collections.defaultdict(set)
    for record in records:
        by_program[record["observingProgramExecutionId"]].add(record["instrumentName"])
    scenarios = synthetic.demo_scenarios(len(synthetic.SCENARIOS))
    assert sorted(scenarios.values()) == sorted(synthetic.SCENARIOS)
    for program_id, instruments in by_program.items():
        expected = {"VBI"} if scenarios[program_id] == "vbi_only" else {"VISP", "VBI"}
        assert instruments == expected


def test_l1_frames_are_small_and_carry_dkist_keywords(tmp_path):
    dataset = parse_dataset_inventory(synthetic.generate_records(1)[0])
    paths = synthetic.write_l1_frames(tmp_path, dataset, 2)
    assert len(paths) == 2 and all(p.stat().st_size < 10_000 for p in paths)
    assert paths[0].name.startswith("VISP_2022_06_02T17_20_00_000_00630225")
    with fits.open(paths[1]) as hdus:
        header = hdus[0].header
        assert header[DATASET_ID_KEYWORD] == dataset.dataset_id
        assert header["OBSPR_ID"] == dataset.observing_program_execution_id
        assert (header["WAVEMIN"], header["WAVEMAX"]) == (630.05, 630.40)
        assert header["CTYPE3"] == "STOKES" and hdus[0].data.shape == synthetic.FRAME_SHAPE
        assert header["SPECLN02"] == "Fe I (630.25 nm)"
    assert synthetic.write_l1_frames(tmp_path, dataset, 2) == paths  # rewriting the same frames is a no-op
