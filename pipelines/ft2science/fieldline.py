"""Field-line integrals behind McIlwain's L and B0, row by row in compiled code.

The numerical scheme is G. Kluge's (ESOC Internal Note 67, 1970; Comput. Phys. Commun. 3, 31,
1972), as used by the Fermi ground software through the IGRF ``SHELLG`` and ``FINDB0`` routines
(fermi-lat/astro src/igrf_sub): the line is traced in dipole-oriented inverse coordinates
p = (x_d sqrt|xi|, y_d sqrt|xi|, z_d) with xi = x / |x|^2, stepping z_d by 0.2 with an Adams
predictor-corrector; the integral I = int sqrt(1 - B/Bm) ds runs on a finer grid (step 0.03 |xi|)
with quadratic interpolation of the slowly varying terms until the mirror point; L follows from
I^3 B0 / M with Hilton's fitted relation. B0 is then refined by stepping from the lowest sample
with steps 0.05, 0.005, ... until B rises by less than 1e-3. Every row is computed, each to its
own end condition.

Why compiled (numba, ``cache=True`` so a worker compiles once and later processes load the
machine code from disk): each row takes a few dozen field evaluations, sequential along its line
and each ending in a row-dependent test. Vectorised over rows in lockstep, numpy paid for every
step in whole-array temporaries, fancy indexing and compaction of the live rows, and the
synthesis ran as ~30 passes over (14, M) Legendre tables: 77% of a day's FT2 under fermi-2014.
Here one row runs the scheme as the Fortran does, with its coefficients computed once; no
fastmath, so the arithmetic is that of the formulas.
"""

from __future__ import annotations

import numpy as np

from pipelines.ft2science import igrf

# Fixed rotation from geographic to the dipole frame of the scheme (columns: dipole x, y, z axes).
U = np.array(
    [[0.3511737, 0.9335804, 0.0714471], [-0.9148385, 0.3583680, -0.1861260], [-0.1993679, 0.0, 0.9799247]]
)
RMIN, RMAX = 0.05, 1.01  # inverse-radius bounds of the integration (ICODE 3 below RMIN, 2 above RMAX)
STEP, STEQ = 0.20, 0.03  # tracing step in z_d, integration step factor
MAX_STEPS = 3333
STPS, BDEL = 0.05, 1e-3  # first step of the B0 search, and the rise in B at which it settles

# A row's three columns of the scheme c (3, 8): each a point p (3), its q (4) and a slot for the
# expansion term of the integral.


@igrf.kernel
def _stoer(p0: float, p1: float, zm: float, g, h, work, col) -> tuple[float, float]:
    """Slowly varying quantities at p = (p0, p1, zm) into ``col`` (8,): returns (B^2, |xi|).

    q = (dp1/dz, dp2/dz, sqrt(D^2/(R^2 + 3 z^2)), that times (R^2 + z^2)/(R^2 dz/ds)) with D the
    field-line direction in inverse coordinates scaled so that |B| = |D| |xi|^3.
    """
    fli = p0 * p0 + p1 * p1 + 1e-15
    radius = 0.5 * (fli + np.sqrt(fli * fli + (zm + zm) ** 2))  # |xi|
    rq, wr = radius * radius, np.sqrt(radius)
    d0, d1 = p0 * wr, p1 * wr
    xi0 = U[0, 0] * d0 + U[0, 1] * d1 + U[0, 2] * zm
    xi1 = U[1, 0] * d0 + U[1, 1] * d1 + U[1, 2] * zm
    xi2 = U[2, 0] * d0 + U[2, 1] * d1 + U[2, 2] * zm
    bx, by, bz = igrf.field_nt(xi0 / rq, xi1 / rq, xi2 / rq, g, h, work)  # the real-space point
    bx, by, bz = bx * 1e-5, by * 1e-5, bz * 1e-5  # Gauss
    x0, x1, x2 = xi0 / radius, xi1 / radius, xi2 / radius
    along = x0 * bx + x1 * by + x2 * bz
    cube = radius**3
    # D = -r^3 (I - 2 x^ x^T) B: the gradient of the potential in xi space over |xi|
    e0 = -(bx - 2.0 * x0 * along) / cube
    e1 = -(by - 2.0 * x1 * along) / cube
    e2 = -(bz - 2.0 * x2 * along) / cube
    dxm = U[0, 0] * e0 + U[1, 0] * e1 + U[2, 0] * e2
    dym = U[0, 1] * e0 + U[1, 1] * e1 + U[2, 1] * e2
    dzm = U[0, 2] * e0 + U[1, 2] * e1 + U[2, 2] * e2
    dr = (d0 * dxm + d1 * dym + zm * dzm) / radius
    col[0], col[1], col[2] = p0, p1, zm
    col[3] = (wr * dxm - 0.5 * p0 * dr) / (radius * dzm)
    col[4] = (wr * dym - 0.5 * p1 * dr) / (radius * dzm)
    dsq = rq * (dxm * dxm + dym * dym + dzm * dzm)
    col[5] = np.sqrt(dsq / (rq + 3.0 * zm * zm))
    col[6] = col[5] * (rq + zm * zm) / (rq * dzm)
    col[7] = 0.0
    return dsq * rq * rq, radius


@igrf.kernel
def _start(c, step: float, g, h, work):
    """From the column of the starting point in c[1], the points either side along the line into
    c[0] and c[2], the sense reversed if B rises: returns (B^2 of c[0] and c[2], the step)."""
    c2 = c[1]
    _stoer(c2[0] + 0.5 * step * c2[3], c2[1] + 0.5 * step * c2[4], c2[2] + 0.5 * step, g, h, work, c[2])
    c3 = c[2]
    bq1, _ = _stoer(
        c2[0] - step * (2 * c2[3] - c3[3]), c2[1] - step * (2 * c2[4] - c3[4]), c2[2] - step, g, h, work, c[0]
    )
    c1 = c[0]
    bq3, _ = _stoer(
        c2[0] + step * (20 * c3[3] - 3 * c2[3] + c1[3]) / 18,
        c2[1] + step * (20 * c3[4] - 3 * c2[4] + c1[4]) / 18,
        c2[2] + step,
        g,
        h,
        work,
        c[2],
    )
    if bq3 > bq1:
        step = -step
        for k in range(7):
            c[0, k], c[2, k] = c[2, k], c[0, k]
        # the swap leaves B^2 of the new third point at the old first point's value, as in the scheme
        bq3 = bq1
    return bq1, bq3, step


@igrf.kernel
def _correct(c, step12: float) -> None:
    """Adams-Moulton corrector of the third column's p1, p2 (q stays that of the predicted point)."""
    c[2, 0] = c[1, 0] + step12 * (5 * c[2, 3] + 8 * c[1, 3] - c[0, 3])
    c[2, 1] = c[1, 1] + step12 * (5 * c[2, 4] + 8 * c[1, 4] - c[0, 4])


@igrf.kernel
def _advance(c, step12: float, step: float, g, h, work) -> tuple[float, float]:
    """Shift the columns and put the next point (Adams-Bashforth predictor) in the third one:
    returns its (B^2, |xi|)."""
    c1, c2, c3 = c[0], c[1], c[2]
    p0 = c3[0] + step12 * (23 * c3[3] - 16 * c2[3] + 5 * c1[3])
    p1 = c3[1] + step12 * (23 * c3[4] - 16 * c2[4] + 5 * c1[4])
    p2 = c3[2] + step
    c[0, :] = c[1, :]
    c[1, :] = c[2, :]
    bq, radius = _stoer(p0, p1, p2, g, h, work, c[2])
    return bq, radius


@igrf.kernel
def _dipole_inverse(x0: float, x1: float, x2: float) -> tuple[float, float, float]:
    rq = 1.0 / (x0 * x0 + x1 * x1 + x2 * x2)
    d0 = x0 * U[0, 0] + x1 * U[1, 0] + x2 * U[2, 0]
    d1 = x0 * U[0, 1] + x1 * U[1, 1] + x2 * U[2, 1]
    d2 = x0 * U[0, 2] + x1 * U[1, 2] + x2 * U[2, 2]
    scale = np.sqrt(rq * np.sqrt(rq))
    return d0 * scale, d1 * scale, d2 * rq


def dipole_inverse(x: np.ndarray) -> np.ndarray:
    """Scheme coordinates (3, N) of geographic points x (N, 3) in Earth radii."""
    out = np.empty((3, len(x)))
    _dipole_inverse_rows(np.ascontiguousarray(x, dtype=float), out)
    return out


@igrf.kernel
def _dipole_inverse_rows(x, out) -> None:
    for row in range(len(x)):
        out[0, row], out[1, row], out[2, row] = _dipole_inverse(x[row, 0], x[row, 1], x[row, 2])


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


@igrf.kernel
def _shell_rows(x, pieces, dt, g0, h0, rate_g, rate_h, fl, icode, b0_out, fi_out, sp_out) -> None:
    g, h = np.empty((igrf.NMAX + 1, igrf.NMAX + 1)), np.empty((igrf.NMAX + 1, igrf.NMAX + 1))
    work = igrf.workspace()
    c = np.zeros((3, 8))
    for row in range(len(x)):
        k = pieces[row]
        igrf.epoch_coefficients(g0[k], h0[k], rate_g[k], rate_h[k], dt[row], g, h)
        fl[row], icode[row], b0_out[row], fi_out[row] = _shell_row(
            x[row, 0], x[row, 1], x[row, 2], g, h, work, c, sp_out[:, row]
        )


@igrf.kernel
def _shell_row(x0: float, x1: float, x2: float, g, h, work, c, sp):
    """One row of SHELLG: (L or NaN where Hilton's relation is still to apply, icode, B0 at the
    point, the integral I); ``sp`` gets the point before the lowest sample."""
    p0, p1, p2 = _dipole_inverse(x0, x1, x2)
    step = -STEP if p2 >= 0 else STEP
    bq2, r2 = _stoer(p0, p1, p2, g, h, work, c[1])
    bq1, bq3, step = _start(c, step, g, h, work)
    b0 = np.sqrt(bq2)
    # the lowest of the three (the first of equal minima, like the scheme's strict comparisons)
    bequ, low = bq1, 0
    if bq2 < bequ:
        bequ, low = bq2, 1
    if bq3 < bequ:
        bequ, low = bq3, 2
    before = 1 if low == 2 else 0  # the point before the lowest one (at least the first)
    sp[0], sp[1], sp[2] = c[before, 0], c[before, 1], c[before, 2]
    step12, step2 = step / 12.0, 2.0 * step
    steq = STEQ if step >= 0 else -STEQ
    fi = oradik = oterm = radik = 0.0
    icode, fl = 1, np.nan
    stp = r2 * steq
    z = c[1, 2] + stp
    stp = stp / 0.75
    for j in range(2):
        c[j, 7] = step2 * (c[j, 0] * c[j, 3] + c[j, 1] * c[j, 4])
    live = True
    for _ in range(3, MAX_STEPS + 1):
        _correct(c, step12)
        c1, c2, c3 = c[0], c[1], c[2]
        c3[7] = step2 * (c3[0] * c3[3] + c3[1] * c3[4])
        cc0, cc1 = c2[0] ** 2 + c2[1] ** 2, c2[7]
        cc2, cc3 = (c3[7] - c1[7]) * 0.25, (c3[7] + c1[7] - 2 * c2[7]) / 6
        dd0, dd1, dd2 = c2[5], (c3[5] - c1[5]) * 0.5, (c3[5] + c1[5] - 2 * c2[5]) * 0.5
        ee0, ee1, ee2 = c2[6], (c3[6] - c1[6]) * 0.5, (c3[6] + c1[6] - 2 * c2[6]) * 0.5
        while live:
            t = (z - c2[2]) / step
            if not t <= 1.0:  # a non-finite state leaves too, and is stopped below
                break
            hli = 0.5 * (((cc3 * t + cc2) * t + cc1) * t + cc0)
            zq = z * z
            r = hli + np.sqrt(hli * hli + zq)
            if r <= RMIN:  # beyond the accurate range: L from the line's equatorial crossing
                tj = -c2[2] / step
                fl = 1.0 / (abs(((cc3 * tj + cc2) * tj + cc1) * tj + cc0) + 1e-15)
                icode, live = 3, False
                break
            rq = r * r
            ff = np.sqrt(1.0 + 3.0 * zq / rq)
            rad = b0 - ((dd2 * t + dd1) * t + dd0) * r * rq * ff
            if r > RMAX:
                icode = 2
                rad = rad - 12.0 * (r - RMAX) ** 2
            radik = rad
            if rad + rad <= oradik:  # the mirror point
                live = False
                break
            term = np.sqrt(rad) * ff * ((ee2 * t + ee1) * t + ee0) / (rq + zq)
            fi += stp * (oterm + term)
            oradik, oterm = rad, term
            stp = r * steq
            z += stp
        if live and not (np.isfinite(z) and np.all(np.isfinite(c3))):
            icode, fl = 0, np.nan  # the tracing failed (non-finite field or geometry)
            break
        if not live:
            break
        keep0, keep1, keep2 = c3[0], c3[1], c3[2]
        bq_new, _ = _advance(c, step12, step, g, h, work)
        if bq_new < bequ:
            bequ = bq_new
            sp[0], sp[1], sp[2] = keep0, keep1, keep2
    if icode != 0 and np.isnan(fl) and oradik >= 1e-15:
        fi += stp / 0.75 * oterm * oradik / (oradik - radik)
    return fl, icode, b0, 0.5 * abs(fi) / np.sqrt(b0) + 1e-12


def shell_parameter(x: np.ndarray, field: igrf.EpochField):
    """McIlwain L at geographic points x (N, 3), Earth radii, each row in ``field`` at its epoch.

    Returns (L, icode, B at the point, scheme coordinates (3, N) of the lowest-B sample); icode is
    1 normal, 2 the line dips below the surface, 3 L beyond the accurate range, 0 failed (L NaN).
    """
    n_rows = len(x)
    fl, b0, fi, icode = np.empty(n_rows), np.empty(n_rows), np.empty(n_rows), np.empty(n_rows, dtype=np.int64)
    sp = np.empty((3, n_rows))
    _shell_rows(np.ascontiguousarray(x, dtype=float), *field.arrays(), fl, icode, b0, fi, sp)
    done = np.isnan(fl) & (icode != 0)
    fl[done] = _hilton(fi[done], field.dimo[done] / b0[done])
    return fl, icode, b0, sp


@igrf.kernel
def _equator_rows(sp, pieces, dt, g0, h0, rate_g, rate_h, bold, rold, found) -> None:
    g, h = np.empty((igrf.NMAX + 1, igrf.NMAX + 1)), np.empty((igrf.NMAX + 1, igrf.NMAX + 1))
    work = igrf.workspace()
    c = np.zeros((3, 8))
    for row in range(sp.shape[1]):
        k = pieces[row]
        igrf.epoch_coefficients(g0[k], h0[k], rate_g[k], rate_h[k], dt[row], g, h)
        bold[row], rold[row], found[row] = _equator_row(g, h, work, c, sp[:, row])


@igrf.kernel
def _equator_row(g, h, work, c, sp):
    """One row of FINDB0 from ``sp`` (moved to the minimum): (B0, its radius, settled)."""
    step, bold, rold = STPS, 1e4, np.nan
    lowest = np.empty(8)  # the column of the lowest sample, where the next pass starts
    _stoer(sp[0], sp[1], sp[2], g, h, work, lowest)
    pending = True
    for _ in range(5):
        if not pending:
            break
        step = -abs(step) if sp[2] >= 0 else abs(step)
        c[1, :] = lowest
        _, _, step = _start(c, step, g, h, work)
        step12 = step / 12.0
        run_old = 1e4
        restart = False
        for _ in range(MAX_STEPS):
            _correct(c, step12)
            bq, radius = _advance(c, step12, step, g, h, work)
            b = np.sqrt(bq)
            if not b <= run_old:
                restart = (b - run_old) / run_old > BDEL
                break
            run_old, rold = b, 1.0 / radius
            lowest[:] = c[2, :]
            sp[0], sp[1], sp[2] = c[2, 0], c[2, 1], c[2, 2]
        bold = run_old
        if restart:
            step /= 10.0
        pending = restart
    return bold, rold, not pending


def equator_field(sp: np.ndarray, field: igrf.EpochField):
    """Smallest B along each line, stepping from the scheme's lowest sample ``sp`` (3, N).

    Returns (B0 in Gauss, equatorial radius in Earth radii, found, scheme coordinates (3, N) of the
    minimum): ``found`` is False where five refinements did not settle (B0 is then the last estimate).
    """
    n_rows = sp.shape[1]
    sp = np.array(sp, dtype=float)
    bold, rold, found = np.empty(n_rows), np.empty(n_rows), np.empty(n_rows, dtype=np.bool_)
    _equator_rows(sp, *field.arrays(), bold, rold, found)
    return bold, rold, found, sp
