import collections

import numpy as np
from astropy.io import fits

from l2portal.programs.science.level1 import frame_header
from l2portal.programs.science.metadata import parse_dataset_inventory, parse_inventories_response
from l2portal.programs.science.preprocess import DATASET_ID_KEYWORD
from l2portal.programs.science.quantities import QUANTITY_INDEX
from l2portal.programs.standins import synthetic, synthetic_frames


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


def test_l1_frames_are_laid_out_as_the_data_center_publishes_them(tmp_path):
    dataset = parse_dataset_inventory(synthetic.generate_records(1)[0])
    paths = synthetic_frames.write_l1_source(tmp_path, dataset, 2)
    assert len(paths) == 8 and all(p.stat().st_size < 20_000 for p in paths)
    assert paths[0].parent == tmp_path / "data" / "pid_1_100" / dataset.dataset_id
    assert [p.name.split("_")[8] for p in paths[:4]] == ["I", "Q", "U", "V"]
    assert paths[0].name == f"VISP_2022_06_02T17_20_00_000_00630225_I_{dataset.dataset_id}_L1.fits"
    with fits.open(paths[4]) as hdus:
        assert isinstance(hdus[1], fits.CompImageHDU) and hdus[1].data.shape == (1, 12, 20)
    header = frame_header(paths[4])
    assert header[DATASET_ID_KEYWORD] == dataset.dataset_id and header["VSPARMID"] == 1
    assert header["OBSPR_ID"] == dataset.observing_program_execution_id
    assert (header["WAVEMIN"], header["WAVEMAX"]) == (630.05, 630.40)
    assert (header["CTYPE1"], header["CTYPE2"], header["CTYPE3"]) == ("HPLT-TAN", "AWAV", "HPLN-TAN")
    assert header["SPECLN02"] == "Fe I (630.25 nm)" and header["DATE-BEG"] == "2022-06-02T17:20:04.000"
    assert synthetic_frames.write_l1_source(tmp_path, dataset, 2) == paths  # the same frames again: a no-op


def test_inversion_results_are_a_plausible_model_atmosphere_in_the_codes_units():
    cube = synthetic_frames.model_atmosphere(43, 3, 5)
    log_tau = cube[QUANTITY_INDEX["opticalDepth"], :, 0, 0]
    assert log_tau[0] == np.float32(1.2) and np.allclose(np.diff(log_tau), -0.1)
    temperature = cube[QUANTITY_INDEX["temperature"]]
    assert temperature.min() > 3000 and temperature.max() < 12000  # kelvin
    assert (np.diff(temperature, axis=0) < 0).all()  # cooler higher up
    for key in ("gasPressure", "electronPressure", "density"):
        assert (cube[QUANTITY_INDEX[key]] > 0).all() and (
            np.diff(cube[QUANTITY_INDEX[key]], axis=0) < 0
        ).all()
    assert 1e4 < cube[QUANTITY_INDEX["gasPressure"], 12].mean() < 1e6  # dyn/cm^2 at log tau 0
    strength = cube[QUANTITY_INDEX["magStrength"]]
    assert strength.min() > 0 and 2000 < strength.max() < 3000  # gauss
    assert (
        cube[QUANTITY_INDEX["magAzimuth"]].min() < 0 <= cube[QUANTITY_INDEX["magInclination"]].min()
    )  # degrees
    assert 1e4 < np.abs(cube[QUANTITY_INDEX["velocity"]]).max() < 1e6  # cm/s
