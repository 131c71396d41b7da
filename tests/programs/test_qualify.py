import json
import math
from datetime import UTC, date, datetime

import pytest

from l2portal.programs.science.grouping import group_programs
from l2portal.programs.science.metadata import (
    BoundingBox,
    GosStatusCounts,
    HealthCounts,
    parse_dataset_inventory,
)
from l2portal.programs.science.qualify import (
    NO_VISP_DETAIL,
    QualificationRules,
    identify_lines,
    qualify_datasets,
    qualify_program,
    qualify_programs,
    solar_radius_arcsec,
)
from l2portal.programs.standins import synthetic
from tests.programs import visp_dataset

JANUARY = datetime(2024, 1, 3, 18, tzinfo=UTC)  # near perihelion: the Sun looks largest
JULY = datetime(2024, 7, 5, 18, tzinfo=UTC)  # near aphelion


def test_a_good_visp_program_is_invertible():
    result = qualify_datasets([visp_dataset()])
    assert result.invertible, result.failed
    assert set(result.checks) == {
        "visp_datasets",
        "stokes",
        "health",
        "gos",
        "ao",
        "on_disk",
        "line_fe_i_630",
    }
    assert result.lines == ["Fe I 630"]


@pytest.mark.parametrize(
    ("good", "passed"),
    [(75, True), (74, False), (100, True)],
)
def test_health_needs_75_percent_good_frames(good, passed):
    result = qualify_datasets([visp_dataset(health=HealthCounts(good=good, bad=100 - good))])
    check = result.checks["health"]
    assert (check.passed, result.invertible) == (passed, passed)
    assert check.value == good / 100 and check.threshold == 0.75
    if not passed:
        assert "VISP1 (74.0%)" in check.detail


def test_fractions_are_exact_at_the_threshold_for_awkward_frame_counts():
    # 3 of 4 and 75 of 100 and 1500 of 2000 are all exactly 75 %.
    for good, frames in ((3, 4), (1500, 2000), (15, 20)):
        dataset = visp_dataset(
            frame_count=frames,
            health=HealthCounts(good=good),
            ao_locked=good,
            gos_status=GosStatusCounts(open=frames),
        )
        assert qualify_datasets([dataset]).invertible


@pytest.mark.parametrize(("open_frames", "passed"), [(100, True), (99, False)])
def test_gos_must_be_open_on_every_frame(open_frames, passed):
    status = GosStatusCounts(open=open_frames, closed=100 - open_frames)
    check = qualify_datasets([visp_dataset(gos_status=status)]).checks["gos"]
    assert check.passed is passed and check.threshold == 1.0


@pytest.mark.parametrize(("locked", "passed"), [(75, True), (74, False), (0, False)])
def test_ao_must_be_locked_on_75_percent_of_frames(locked, passed):
    check = qualify_datasets([visp_dataset(ao_locked=locked)]).checks["ao"]
    assert check.passed is passed


def test_missing_counts_and_frame_count_fail_without_crashing():
    dataset = visp_dataset(frame_count=None, health=HealthCounts(), gos_status=GosStatusCounts(), ao_locked=0)
    result = qualify_datasets([dataset])
    assert not result.invertible
    assert {"health", "gos", "ao"} <= set(result.failed)


@pytest.mark.parametrize(
    ("stokes", "passed"),
    [("IQUV", True), ("I,Q,U,V", True), ("IQU", False), ("I", False), ("IQUVV", False), (None, False)],
)
def test_stokes_must_be_exactly_iquv(stokes, passed):
    check = qualify_datasets([visp_dataset(stokes_parameters=stokes)]).checks["stokes"]
    assert check.passed is passed and check.threshold == "IQUV"


def test_every_visp_dataset_must_pass_per_dataset_rules():
    good = visp_dataset(dataset_id="GOOD", product_id="a")
    bad = visp_dataset(dataset_id="BAD", product_id="b", stokes_parameters="IQU")
    result = qualify_datasets([good, bad])
    assert not result.invertible and list(result.failed) == ["stokes"]
    assert "BAD (IQU)" in result.checks["stokes"].detail and "GOOD" not in result.checks["stokes"].detail


def test_solar_radius_follows_the_earth_sun_distance():
    radius = solar_radius_arcsec([JANUARY.date(), JULY.date()])
    assert radius[JANUARY.date()] == pytest.approx(975.5, abs=0.3)
    assert radius[JULY.date()] == pytest.approx(943.5, abs=0.3)


def _corner_box(distance: float) -> BoundingBox:
    # A box whose farthest corner lies exactly ``distance`` arcsec from disk centre.
    corner = distance / math.sqrt(2)
    return BoundingBox(corner, corner, corner - 50, corner - 50)


@pytest.mark.parametrize(("margin", "passed"), [(-0.05, True), (0.05, False)])
def test_bounding_box_just_inside_or_outside_the_limb(margin, passed):
    radius = solar_radius_arcsec([JANUARY.date()])[JANUARY.date()]
    dataset = visp_dataset(start_time=JANUARY, bounding_box=_corner_box(radius + margin))
    check = qualify_datasets([dataset]).checks["on_disk"]
    assert check.passed is passed
    assert check.value == pytest.approx((radius + margin) / radius, abs=1e-6) and check.threshold == 1.0


def test_on_disk_depends_on_the_observation_date():
    box = _corner_box(960.0)  # inside the January limb (975"), outside the July limb (943")
    assert qualify_datasets([visp_dataset(start_time=JANUARY, bounding_box=box)]).checks["on_disk"].passed
    july = qualify_datasets([visp_dataset(start_time=JULY, bounding_box=box)]).checks["on_disk"]
    assert not july.passed and "2024-07-05" in july.detail


def test_missing_bounding_box_is_not_on_disk():
    check = qualify_datasets([visp_dataset(bounding_box=None)]).checks["on_disk"]
    assert not check.passed and check.value is None and "no bounding box" in check.detail


def test_fe_line_found_through_spectral_lines():
    dataset = visp_dataset(spectral_lines=("Fe I (630.25 nm)",), wavelength_min=None, wavelength_max=None)
    assert qualify_datasets([dataset]).checks["line_fe_i_630"].passed


@pytest.mark.parametrize(
    ("low", "high", "found"), [(630.0, 630.2, True), (630.2, 630.3, True), (630.3, 631, False)]
)
def test_fe_line_found_through_the_wavelength_range_when_lines_are_null(low, high, found):
    dataset = visp_dataset(spectral_lines=None, wavelength_min=low, wavelength_max=high)
    result = qualify_datasets([dataset])
    assert result.checks["line_fe_i_630"].passed is found and result.invertible is found


def test_named_lines_win_over_the_wavelength_range():
    dataset = visp_dataset(spectral_lines=("Ca II (854.21 nm)",), wavelength_min=630.0, wavelength_max=630.4)
    assert identify_lines(dataset, QualificationRules().lines) == ["Ca II 854"]


def test_fe_line_is_a_property_of_the_set_of_visp_datasets():
    fe = visp_dataset(dataset_id="FE", product_id="fe")
    ca = visp_dataset(dataset_id="CA", product_id="ca", spectral_lines=("Ca II (854.21 nm)",))
    na = visp_dataset(
        dataset_id="NA", product_id="na", spectral_lines=None, wavelength_min=589.3, wavelength_max=589.9
    )
    result = qualify_datasets([ca, na, fe])
    assert result.invertible and result.lines == ["Fe I 630", "Ca II 854", "Na I 589"]

    without_fe = qualify_datasets([ca, na])
    assert not without_fe.invertible and list(without_fe.failed) == ["line_fe_i_630"]
    assert without_fe.lines == ["Ca II 854", "Na I 589"]


def test_other_fe_lines_do_not_count():
    dataset = visp_dataset(spectral_lines=("Fe I (617.33 nm)", "Fe II (630.25 nm)"))
    assert not qualify_datasets([dataset]).checks["line_fe_i_630"].passed


def test_no_visp_datasets_is_not_invertible():
    vbi = visp_dataset(instrument_name="VBI", stokes_parameters="I")
    result = qualify_datasets([vbi])
    assert not result.invertible
    assert result.to_dict() == {
        "invertible": False,
        "checks": {"visp_datasets": {"passed": False, "value": 0, "threshold": 1, "detail": NO_VISP_DETAIL}},
        "lines": [],
    }


def test_other_instruments_neither_qualify_nor_disqualify():
    vbi = visp_dataset(
        dataset_id="VBI1",
        product_id="v",
        instrument_name="VBI",
        stokes_parameters="I",
        health=HealthCounts(),
        ao_locked=0,
        bounding_box=None,
    )
    assert qualify_datasets([visp_dataset(), vbi]).invertible
    assert not qualify_datasets([visp_dataset(stokes_parameters="I"), vbi]).invertible


def test_every_failed_check_is_recorded_with_value_and_threshold():
    dataset = visp_dataset(
        stokes_parameters="I",
        health=HealthCounts(good=10),
        ao_locked=10,
        gos_status=GosStatusCounts(open=50),
        spectral_lines=(),
        bounding_box=_corner_box(2000),
    )
    result = qualify_datasets([dataset])
    assert set(result.failed) == {"stokes", "health", "gos", "ao", "on_disk", "line_fe_i_630"}
    as_dict = json.loads(json.dumps(result.to_dict()))
    assert as_dict["checks"]["health"] == {
        "passed": False,
        "value": 0.1,
        "threshold": 0.75,
        "detail": "health GOOD below 75% of frames in: VISP1 (10.0%)",
    }


def test_rules_come_from_plain_data():
    rules = QualificationRules.from_dict(
        {
            "min_health_good_fraction": 0.5,
            "lines": [{"name": "Ca II 854", "ion": "Ca II", "wavelengths_nm": [854.21], "required": True}],
            "unrelated_setting": 1,
        }
    )
    dataset = visp_dataset(health=HealthCounts(good=60), spectral_lines=("Ca II (854.21 nm)",))
    result = qualify_datasets([dataset], rules)
    assert result.invertible and "line_ca_ii_854" in result.checks and "line_fe_i_630" not in result.checks
    assert QualificationRules.from_dict(rules.to_dict()) == rules


def test_batch_qualification_matches_demo_scenarios():
    records = synthetic.generate_records(60)
    programs = group_programs(parse_dataset_inventory(r, i) for i, r in enumerate(records))
    results = qualify_programs(programs.values())
    scenarios = synthetic.demo_scenarios(60)
    for program_id, result in results.items():
        scenario = scenarios[program_id]
        assert result.invertible is (scenario in synthetic.INVERTIBLE_SCENARIOS), (scenario, result.failed)
        assert result == qualify_program(programs[program_id])
    # Had the superseded reprocessings counted, these OPs would fail on health.
    reprocessed = [p for p in programs.values() if scenarios[p.program_id] == "invertible_reprocessed"]
    assert reprocessed and all(p.superseded for p in reprocessed)
    assert all("health" in qualify_datasets(p.superseded).failed for p in reprocessed)


def test_radius_cache_answers_repeated_days_without_recomputing():
    days = [date(2023, 3, 1), date(2023, 3, 2)]
    first = solar_radius_arcsec(days)
    assert solar_radius_arcsec(days[:1]) == {days[0]: first[days[0]]}
