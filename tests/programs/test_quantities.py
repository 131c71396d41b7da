"""The published units of the quantities, as the data center converts them (Quantity.hs)."""

import astropy.units as u
import numpy as np

from l2portal.programs.science.quantities import QUANTITIES, QUANTITY_INDEX, wrap_degrees


def convert(key, values):
    return QUANTITIES[QUANTITY_INDEX[key]].convert(np.asarray(values, dtype=np.float32))


def test_field_strength_goes_from_gauss_to_tesla():
    np.testing.assert_allclose(convert("magStrength", [0.0, 1500.0, 4000.0]), [0.0, 0.15, 0.4], rtol=1e-6)


def test_velocities_go_from_cm_per_s_to_km_per_s():
    np.testing.assert_allclose(convert("velocity", [-250000.0, 1e5]), [-2.5, 1.0], rtol=1e-6)
    np.testing.assert_allclose(convert("microturbulence", [80000.0]), [0.8], rtol=1e-6)


def test_pressures_and_density_go_to_si():
    np.testing.assert_allclose(convert("gasPressure", [1.2e5]), [1.2e4], rtol=1e-6)
    np.testing.assert_allclose(convert("electronPressure", [27.0]), [2.7], rtol=1e-6)
    np.testing.assert_allclose(convert("density", [3e-7]), [3e-4], rtol=1e-6)


def test_angles_are_wrapped_into_0_to_360():
    wrapped = wrap_degrees(np.array([-30.0, 725.0, 360.0, -1e-9, 0.0, 359.5, -180.0], dtype=np.float32))
    np.testing.assert_allclose(wrapped, [330.0, 5.0, 0.0, 0.0, 0.0, 359.5, 180.0], atol=1e-4)
    assert wrapped.min() >= 0.0 and wrapped.max() < 360.0
    assert convert("magAzimuth", [-90.0])[0] == 270.0 and convert("magInclination", [170.0])[0] == 170.0


def test_the_other_quantities_keep_their_values_and_every_unit_is_a_fits_unit():
    for key in ("opticalDepth", "temperature", "geoHeight"):
        np.testing.assert_array_equal(convert(key, [1.5, -2.0]), np.float32([1.5, -2.0]))
    expected = {"K": u.K, "T": u.T, "km/s": u.km / u.s, "N/m^2": u.N / u.m**2, "kg/m^3": u.kg / u.m**3}
    for quantity in QUANTITIES:
        parsed = u.Unit(quantity.unit, format="fits") if quantity.unit else u.dimensionless_unscaled
        if quantity.unit in expected:
            assert parsed == expected[quantity.unit]
    assert [q.unit for q in QUANTITIES] == [
        "",
        "K",
        "N/m^2",
        "km/s",
        "T",
        "km/s",
        "deg",
        "deg",
        "km",
        "N/m^2",
        "kg/m^3",
    ]
