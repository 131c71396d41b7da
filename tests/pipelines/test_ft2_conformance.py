"""The FT2 template and the fermi-2014 definition set against a production FT2 file (mission week 323,
P202, 30-s bins).

The template's columns are production's, name, format, unit and limits, in production's order, with
SC_VELOCITY (added for P310) the only addition. Every derived column is recomputed from the file's
own START, SC_POSITION and QSJ_1..4 and compared with what production wrote, at the precision the
(mostly float32) columns carry. The orbital pole needs the position one second after START: it is
estimated from the neighbouring rows.
"""

import numpy as np
import pytest
from astropy.io import fits

from pipelines.science import ft2, ft2science
from pipelines.science.ft2science import definitions

pytestmark = pytest.mark.conformance

FILE = ("fermi", "lat_spacecraft_weekly_w323_p202_v001.fits")


@pytest.fixture(scope="module")
def production_path(reference_dir):
    path = reference_dir.joinpath(*FILE)
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return path


@pytest.fixture(scope="module")
def production(production_path):
    with fits.open(production_path) as hdul:
        table = hdul["SC_DATA"].data
        return {name: np.array(table[name]) for name in table.columns.names}


def column_cards(header) -> list[tuple]:
    """(name, form, unit, TLMIN, TLMAX) of every column of a table header, in order."""
    return [
        tuple(header.get(f"{key}{n}") for key in ("TTYPE", "TFORM", "TUNIT", "TLMIN", "TLMAX"))
        for n in range(1, header["TFIELDS"] + 1)
    ]


def test_the_template_has_the_production_columns_plus_sc_velocity(production_path):
    template = ft2.load_ft2_template().table("SC_DATA")
    ours = [(c.name, c.tform, c.unit, c.tlmin, c.tlmax) for c in template.columns]
    theirs = column_cards(fits.getheader(production_path, "SC_DATA"))
    assert ours[:-1] == theirs
    assert ours[-1] == ("SC_VELOCITY", "3E", "m/s", None, None)


def test_a_written_file_carries_the_production_limits(production_path, tmp_path):
    """What the writer puts in the header (not only what the template says) equals production's."""
    rows = 3
    columns = {c.name: c.empty(rows) for c in ft2.load_ft2_template().table("SC_DATA").columns}
    columns["START"], columns["STOP"] = np.arange(rows) + 5e8, np.arange(rows) + 5e8 + 1.0
    provenance = {"livetime_source": "none", "livetime_input": "", "telemetry_gaps": []}
    product = ft2.Ft2Product(columns, metadata={**ft2science.versions("fermi-2019"), **provenance})
    path = tmp_path / "limits.fits"
    ft2.write_ft2(product, path, ft2.Ft2Config(), path.name)
    theirs = column_cards(fits.getheader(production_path, "SC_DATA"))
    assert column_cards(fits.getheader(path, "SC_DATA"))[:-1] == theirs


def test_production_values_lie_outside_its_own_limits(production, production_path):
    """Production declares LON_GEO 0..360 and RAD_GEO up to 1e4 m, but writes longitudes in
    -180..180 and altitudes of ~550 km in metres: the limits are copied, the values follow the data."""
    header = fits.getheader(production_path, "SC_DATA")
    assert (header["TLMIN5"], header["TLMAX5"], header["TLMAX6"]) == (0.0, 360.0, 1e4)
    assert production["LON_GEO"].min() < -179.0 and production["LON_GEO"].max() <= 180.0
    assert production["RAD_GEO"].min() > 5e5
    assert production["GEOMAG_LAT"].min() >= 0.0


@pytest.fixture(scope="module")
def derived(production):
    quaternion = np.stack([production[f"QSJ_{i}"] for i in range(1, 5)], axis=1)
    return ft2science.derive(
        "fermi-2014", production["START"], production["STOP"], production["SC_POSITION"], quaternion
    )


def separation_deg(ra1, dec1, ra2, dec2):
    ra1, dec1, ra2, dec2 = (np.deg2rad(np.asarray(a, dtype=float)) for a in (ra1, dec1, ra2, dec2))
    cosine = np.sin(dec1) * np.sin(dec2) + np.cos(dec1) * np.cos(dec2) * np.cos(ra1 - ra2)
    chord = np.hypot(
        np.cos(dec2) * np.sin(ra1 - ra2),
        np.cos(dec1) * np.sin(dec2) - np.sin(dec1) * np.cos(dec2) * np.cos(ra1 - ra2),
    )
    return np.rad2deg(np.arctan2(chord, cosine))


def wrapped(a, b):
    return np.abs((np.asarray(a, float) - np.asarray(b, float) + 180.0) % 360.0 - 180.0)


def test_every_derived_column_with_production_dtypes(derived, production):
    assert set(derived) == set(ft2science.COLUMNS)
    for name, values in derived.items():
        assert values.shape == production[name].shape, name
        assert values.dtype == (np.float64 if name == "RAD_GEO" else np.float32), name


def test_ground_point(derived, production):
    assert np.abs(derived["LAT_GEO"].astype(float) - production["LAT_GEO"]).max() < 1e-4
    assert wrapped(derived["LON_GEO"], production["LON_GEO"]).max() < 1e-4
    assert np.all((derived["LON_GEO"] >= -180.0) & (derived["LON_GEO"] <= 180.0))
    assert np.abs(derived["RAD_GEO"] - production["RAD_GEO"]).max() < 1.0  # metres


@pytest.mark.parametrize("axis", ["ZENITH", "SCZ", "SCX", "SUN"])
def test_directions(derived, production, axis):
    ra, dec = f"RA_{axis}", f"DEC_{axis}"
    assert separation_deg(derived[ra], derived[dec], production[ra], production[dec]).max() < 1e-4
    assert np.all((derived[ra] >= 0.0) & (derived[ra] < 360.0))


def test_orbital_pole_from_the_estimated_next_position(derived, production):
    off = separation_deg(
        derived["RA_NPOLE"], derived["DEC_NPOLE"], production["RA_NPOLE"], production["DEC_NPOLE"]
    )
    assert off.max() < 0.03


def test_rock_angle_and_its_sign(derived, production):
    assert np.abs(derived["ROCK_ANGLE"].astype(float) - production["ROCK_ANGLE"]).max() < 1e-4
    assert np.array_equal(np.sign(derived["ROCK_ANGLE"]), np.sign(production["ROCK_ANGLE"]))


def test_mcilwain_b_is_the_ratio_to_the_equatorial_field(derived, production):
    assert production["B_MCILWAIN"].min() >= 0.99 and production["B_MCILWAIN"].max() < 7.0  # not Gauss
    relative = np.abs(derived["B_MCILWAIN"].astype(float) / production["B_MCILWAIN"] - 1.0)
    assert relative.max() < 1e-4


def test_mcilwain_l(derived, production):
    diff = np.abs(derived["L_MCILWAIN"].astype(float) - production["L_MCILWAIN"])
    assert diff.max() < 1e-3
    assert np.percentile(diff, 99) < 1e-5


def test_invariant_latitude(derived, production):
    assert np.abs(derived["GEOMAG_LAT"].astype(float) - production["GEOMAG_LAT"]).max() < 0.02
    assert derived["GEOMAG_LAT"].min() >= 0.0


def test_lambda_and_its_hemisphere(derived, production):
    reference = production["LAMBDA"].astype(float)
    assert np.abs(derived["LAMBDA"].astype(float) - reference).max() < 0.01
    signed = np.abs(reference) > 0.01
    assert np.array_equal(np.sign(derived["LAMBDA"][signed]), np.sign(reference[signed]))


def test_the_igrf_generation_is_the_one_production_shipped(production):
    """IGRF-11 (extrapolated from 2010) reproduces B/B0; IGRF-12 would be off by ~1e-3 and more."""
    rows = slice(None, None, 97)
    start, position = production["START"][rows], production["SC_POSITION"][rows]
    quaternion = np.stack([production[f"QSJ_{i}"][rows] for i in range(1, 5)], axis=1)
    later = definitions.DefinitionSet("igrf-12-check", "fermi-2014 with IGRF-12", "fermi-legacy", "IGRF-12")
    b12 = ft2science.derive(later, start, start + 30.0, position, quaternion)["B_MCILWAIN"]
    assert np.median(np.abs(b12 / production["B_MCILWAIN"][rows] - 1.0)) > 3e-4
