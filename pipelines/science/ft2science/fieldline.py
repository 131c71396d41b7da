"""Field-line integrals behind McIlwain's L and B0, row by row in compiled code.

The numerical scheme is G. Kluge's (ESOC Internal Note 67, 1970; Comput. Phys. Commun. 3, 31,
1972), as used by the Fermi ground software through the IGRF ``SHELLG`` and ``FINDB0`` routines
(fermi-lat/astro src/igrf_sub): the line is traced in dipole-oriented inverse coordinates
p = (x_d sqrt|xi|, y_d sqrt|xi|, z_d) with xi = x / |x|^2, stepping z_d by 0.2 with an Adams
predictor-corrector; the integral I = int sqrt(1 - B/Bm) ds runs on a finer grid (step 0.03 |xi|)
with quadratic interpolation of the slowly varying terms until the mirror point; L follows from
I^3 B0 / M with Hilton's fitted relation. B0 is then refined by stepping from the lowest sample
with steps 0.05, 0.005, ... until B rises by less than 1e-3. Every row is computed, each to its
own end condition. The scheme runs row by row in compiled code (``kernels``, which says why, and
why all of it sits in that one file).
"""

from __future__ import annotations

import numpy as np

from pipelines.science.ft2science import igrf, kernels


def dipole_inverse(x: np.ndarray) -> np.ndarray:
    """Scheme coordinates (3, N) of geographic points x (N, 3) in Earth radii."""
    out = np.empty((3, len(x)))
    kernels.dipole_inverse_rows(np.ascontiguousarray(x, dtype=float), out)
    return out


# McIlwain's function L^3 B0 / M = F(I^3 B0 / M) as fitted piecewise by Hilton (J. Geophys. Res. 76,
# 6952, 1971) in the form SHELLG uses: ln(L^3 B0 / M - 1) as polynomials in X = ln(I^3 B0 / M),
# highest power first, for X above each bound.
# fmt: off
_HILTON = (
    (23.0, (1.0, -3.0460681)),
    (11.7, (2.8212095e-8, -3.8049276e-6, 2.170224e-4, -6.7310339e-3, 1.2038224e-1, -1.8461796e-1,
            2.0007187)),
    (3.0, (6.3271665e-10, -3.958306e-8, 9.9766148e-07, -1.2531932e-5, 7.9451313e-5, -3.2077032e-4,
           2.1680398e-3, 1.2817956e-2, 4.3510529e-1, 6.222355e-1)),
    (-3.0, (2.6047023e-10, 2.3028767e-9, -2.1997983e-8, -5.3977642e-7, -3.3408822e-6, 3.8379917e-5,
            1.1784234e-3, 1.4492441e-2, 4.3352788e-1, 6.228644e-1)),
    (-22.0, (-8.1537735e-14, 8.3232531e-13, 1.0066362e-9, 8.1048663e-8, 3.2916354e-6, 8.2711096e-5,
             1.3714667e-3, 1.5017245e-2, 4.3432642e-1, 6.2337691e-1)),
    (-np.inf, (3.33338e-1, 3.0062102e-1)),
)
# fmt: on


def _hilton(fi: np.ndarray, dimob0: np.ndarray) -> np.ndarray:
    """L from the integral invariant I and M/B0."""
    xx = 3.0 * np.log(fi) - np.log(dimob0)
    gg = np.select([xx > bound for bound, _ in _HILTON], [np.polyval(c, xx) for _, c in _HILTON])
    return np.exp(np.log((1.0 + np.exp(gg)) * dimob0) / 3.0)


def shell_parameter(x: np.ndarray, field: igrf.EpochField):
    """McIlwain L at geographic points x (N, 3), Earth radii, each row in ``field`` at its epoch.

    Returns (L, icode, B at the point, scheme coordinates (3, N) of the lowest-B sample); icode is
    1 normal, 2 the line dips below the surface, 3 L beyond the accurate range, 0 failed (L NaN).
    """
    n_rows = len(x)
    fl, b0, fi, icode = np.empty(n_rows), np.empty(n_rows), np.empty(n_rows), np.empty(n_rows, dtype=np.int64)
    sp = np.empty((3, n_rows))
    kernels.shell_rows(np.ascontiguousarray(x, dtype=float), *field.arrays(), fl, icode, b0, fi, sp)
    done = np.isnan(fl) & (icode != 0)
    fl[done] = _hilton(fi[done], field.dimo[done] / b0[done])
    return fl, icode, b0, sp


def equator_field(sp: np.ndarray, field: igrf.EpochField):
    """Smallest B along each line, stepping from the scheme's lowest sample ``sp`` (3, N).

    Returns (B0 in Gauss, equatorial radius in Earth radii, found, scheme coordinates (3, N) of the
    minimum): ``found`` is False where five refinements did not settle (B0 is then the last estimate).
    """
    n_rows = sp.shape[1]
    sp = np.array(sp, dtype=float)
    bold, rold, found = np.empty(n_rows), np.empty(n_rows), np.empty(n_rows, dtype=np.bool_)
    kernels.equator_rows(sp, *field.arrays(), bold, rold, found)
    return bold, rold, found, sp
