"""Field-line integrals behind McIlwain's L and B0, vectorised over rows.

The numerical scheme is G. Kluge's (ESOC Internal Note 67, 1970; Comput. Phys. Commun. 3, 31,
1972), as used by the Fermi ground software through the IGRF ``SHELLG`` and ``FINDB0`` routines
(fermi-lat/astro src/igrf_sub): the line is traced in dipole-oriented inverse coordinates
p = (x_d sqrt|xi|, y_d sqrt|xi|, z_d) with xi = x / |x|^2, stepping z_d by 0.2 with an Adams
predictor-corrector; the integral I = int sqrt(1 - B/Bm) ds runs on a finer grid (step 0.03 |xi|)
with quadratic interpolation of the slowly varying terms until the mirror point; L follows from
I^3 B0 / M with Hilton's fitted relation. B0 is then refined by stepping from the lowest sample
with steps 0.05, 0.005, ... until B rises by less than 1e-3. Every row is computed; rows advance in
lockstep, each stopping at its own end condition, so the result is row by row that of the scheme.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# Fixed rotation from geographic to the dipole frame of the scheme (columns: dipole x, y, z axes).
U = np.array(
    [[0.3511737, 0.9335804, 0.0714471], [-0.9148385, 0.3583680, -0.1861260], [-0.1993679, 0.0, 0.9799247]]
)
RMIN, RMAX = 0.05, 1.01  # inverse-radius bounds of the integration (ICODE 3 below RMIN, 2 above RMAX)
STEP, STEQ = 0.20, 0.03  # tracing step in z_d, integration step factor
MAX_STEPS = 3333

Field = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (points (M, 3) in Earth radii, rows) -> B, Gauss


def stoer(p: np.ndarray, rows: np.ndarray, field: Field) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Slowly varying quantities at points p (3, M): returns (q (4, M), B^2, |xi|).

    q = (dp1/dz, dp2/dz, sqrt(D^2/(R^2 + 3 z^2)), that times (R^2 + z^2)/(R^2 dz/ds)) with D the
    field-line direction in inverse coordinates scaled so that |B| = |D| |xi|^3.
    """
    zm = p[2]
    fli = p[0] * p[0] + p[1] * p[1] + 1e-15
    radius = 0.5 * (fli + np.sqrt(fli * fli + (zm + zm) ** 2))  # |xi|
    rq, wr = radius * radius, np.sqrt(radius)
    xi_dipole = np.stack([p[0] * wr, p[1] * wr, zm])
    xi = U @ xi_dipole
    x = xi / (radius * radius)  # the real-space point, Earth radii
    b = field(x.T, rows).T
    xhat = xi / radius
    # D = -r^3 (I - 2 x^ x^T) B: the gradient of the potential in xi space over |xi|
    d = -(b - 2.0 * xhat * np.sum(xhat * b, axis=0)) / radius**3
    dxm, dym, dzm = U.T @ d
    dr = (xi_dipole[0] * dxm + xi_dipole[1] * dym + zm * dzm) / radius
    q = np.empty((4, p.shape[1]))
    q[0] = (wr * dxm - 0.5 * p[0] * dr) / (radius * dzm)
    q[1] = (wr * dym - 0.5 * p[1] * dr) / (radius * dzm)
    dsq = rq * (dxm * dxm + dym * dym + dzm * dzm)
    q[2] = np.sqrt(dsq / (rq + 3.0 * zm * zm))
    q[3] = q[2] * (rq + zm * zm) / (rq * dzm)
    return q, dsq * rq * rq, radius


def _point(p: np.ndarray, rows: np.ndarray, field: Field) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A column of the scheme (8, M): position, q, and a slot for the expansion term."""
    q, bq, radius = stoer(p, rows, field)
    col = np.zeros((8, p.shape[1]))
    col[:3], col[3:7] = p, q
    return col, bq, radius


def start_columns(p: np.ndarray, step: np.ndarray, rows: np.ndarray, field: Field):
    """The first three points about p (3, M) along the line, the sense reversed if B rises."""
    c2, bq2, r2 = _point(p, rows, field)
    half = np.stack([c2[0] + 0.5 * step * c2[3], c2[1] + 0.5 * step * c2[4], c2[2] + 0.5 * step])
    c3, _, _ = _point(half, rows, field)
    back = np.stack([c2[0] - step * (2 * c2[3] - c3[3]), c2[1] - step * (2 * c2[4] - c3[4]), c2[2] - step])
    c1, bq1, _ = _point(back, rows, field)
    ahead = np.stack(
        [
            c2[0] + step * (20 * c3[3] - 3 * c2[3] + c1[3]) / 18,
            c2[1] + step * (20 * c3[4] - 3 * c2[4] + c1[4]) / 18,
            c2[2] + step,
        ]
    )
    c3, bq3, _ = _point(ahead, rows, field)
    flip = bq3 > bq1
    step = np.where(flip, -step, step)
    c1[:7, flip], c3[:7, flip] = c3[:7, flip], c1[:7, flip].copy()
    # the swap leaves B^2 of the new third point at the old first point's value, as in the scheme
    bq3 = np.where(flip, bq1, bq3)
    return (c1, c2, c3), (bq1, bq2, bq3), r2, step


def _predict(c1: np.ndarray, c2: np.ndarray, c3: np.ndarray, step12: np.ndarray, step: np.ndarray):
    return np.stack(
        [
            c3[0] + step12 * (23 * c3[3] - 16 * c2[3] + 5 * c1[3]),
            c3[1] + step12 * (23 * c3[4] - 16 * c2[4] + 5 * c1[4]),
            c3[2] + step,
        ]
    )


def _correct(c1: np.ndarray, c2: np.ndarray, c3: np.ndarray, step12: np.ndarray) -> None:
    """Adams-Moulton corrector of the third column's p1, p2 (q stays that of the predicted point)."""
    c3[0] = c2[0] + step12 * (5 * c3[3] + 8 * c2[3] - c1[3])
    c3[1] = c2[1] + step12 * (5 * c3[4] + 8 * c2[4] - c1[4])


def dipole_inverse(x: np.ndarray) -> np.ndarray:
    """Scheme coordinates (3, N) of geographic points x (N, 3) in Earth radii."""
    rq = 1.0 / np.sum(x * x, axis=1)
    d = (x @ U).T
    return np.stack([d[0] * np.sqrt(rq * np.sqrt(rq)), d[1] * np.sqrt(rq * np.sqrt(rq)), d[2] * rq])


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


def shell_parameter(x: np.ndarray, dimo: np.ndarray, field: Field):
    """McIlwain L at geographic points x (N, 3), Earth radii; dipole moments ``dimo`` in Gauss.

    Returns (L, icode, B at the point, scheme coordinates (3, N) of the lowest-B sample); icode is
    1 normal, 2 the line dips below the surface, 3 L beyond the accurate range, 0 failed (L NaN).
    """
    n_rows = len(x)
    rows = np.arange(n_rows)
    step = np.where(dipole_inverse(x)[2] >= 0, -STEP, STEP)
    (c1, c2, c3), (bq1, bq2, bq3), r2, step = start_columns(dipole_inverse(x), step, rows, field)
    b0 = np.sqrt(bq2)
    bq = np.stack([bq1, bq2, bq3])
    iequ = np.argmin(bq, axis=0)  # first of equal minima, like the scheme's strict comparisons
    bequ = bq[iequ, rows]
    sp = np.where(iequ == 2, c2[:3], c1[:3])  # the point before the lowest one (at least the first)
    step12, step2 = step / 12.0, 2.0 * step
    steq = np.where(step >= 0, STEQ, -STEQ)
    fi, oradik, oterm, radik = (np.zeros(n_rows) for _ in range(4))
    icode = np.ones(n_rows, dtype=int)
    fl = np.full(n_rows, np.nan)
    stp = r2 * steq
    z = c2[2] + stp
    stp = stp / 0.75
    for c in (c1, c2):
        c[7] = step2 * (c[0] * c[3] + c[1] * c[4])
    live = np.ones(n_rows, dtype=bool)
    for _ in range(3, MAX_STEPS + 1):
        _correct(c1, c2, c3, step12)
        c3[7] = step2 * (c3[0] * c3[3] + c3[1] * c3[4])
        cc = np.stack(
            [c2[0] ** 2 + c2[1] ** 2, c2[7], (c3[7] - c1[7]) * 0.25, (c3[7] + c1[7] - 2 * c2[7]) / 6]
        )
        dd = np.stack([c2[5], (c3[5] - c1[5]) * 0.5, (c3[5] + c1[5] - 2 * c2[5]) * 0.5])
        ee = np.stack([c2[6], (c3[6] - c1[6]) * 0.5, (c3[6] + c1[6] - 2 * c2[6]) * 0.5])
        inner = live.copy()
        while inner.any():
            i = np.flatnonzero(inner)
            t = (z[i] - c2[2, i]) / step[i]
            beyond = ~(t <= 1.0)  # a non-finite state leaves too, and is stopped below
            inner[i[beyond]] = False
            i, t = i[~beyond], t[~beyond]
            hli = 0.5 * (((cc[3, i] * t + cc[2, i]) * t + cc[1, i]) * t + cc[0, i])
            zq = z[i] ** 2
            r = hli + np.sqrt(hli * hli + zq)
            far = r <= RMIN  # beyond the accurate range: L from the line's equatorial crossing
            if far.any():
                j = i[far]
                tj = -c2[2, j] / step[j]
                fl[j] = 1.0 / (np.abs(((cc[3, j] * tj + cc[2, j]) * tj + cc[1, j]) * tj + cc[0, j]) + 1e-15)
                icode[j], live[j], inner[j] = 3, False, False
                i, t, r, zq = i[~far], t[~far], r[~far], zq[~far]
            rq = r * r
            ff = np.sqrt(1.0 + 3.0 * zq / rq)
            rad = b0[i] - ((dd[2, i] * t + dd[1, i]) * t + dd[0, i]) * r * rq * ff
            high = r > RMAX
            icode[i[high]] = 2
            rad = np.where(high, rad - 12.0 * (r - RMAX) ** 2, rad)
            radik[i] = rad
            mirror = rad + rad <= oradik[i]
            live[i[mirror]], inner[i[mirror]] = False, False
            i, t, r, rq, zq, ff, rad = (a[~mirror] for a in (i, t, r, rq, zq, ff, rad))
            term = np.sqrt(rad) * ff * ((ee[2, i] * t + ee[1, i]) * t + ee[0, i]) / (rq + zq)
            fi[i] += stp[i] * (oterm[i] + term)
            oradik[i], oterm[i] = rad, term
            stp[i] = r * steq[i]
            z[i] += stp[i]
        broken = live & ~(np.isfinite(z) & np.all(np.isfinite(c3), axis=0))
        live[broken], icode[broken], fl[broken] = False, 0, np.inf
        if not live.any():
            break
        i = np.flatnonzero(live)
        c4 = np.zeros_like(c3)
        c4[:, i], bq_new, _ = _point(_predict(c1[:, i], c2[:, i], c3[:, i], step12[i], step[i]), i, field)
        lower = bq_new < bequ[i]
        bequ[i[lower]] = bq_new[lower]
        sp[:, i[lower]] = c3[:3, i[lower]]
        c1, c2, c3 = c2, c3, np.where(live, c4, c3)
    fl[fl == np.inf] = np.nan  # icode 0: the tracing failed (non-finite field or geometry)
    done = np.isnan(fl) & (icode != 0)
    ok = done & (oradik >= 1e-15)
    fi[ok] += stp[ok] / 0.75 * oterm[ok] * oradik[ok] / (oradik[ok] - radik[ok])
    fi = 0.5 * np.abs(fi) / np.sqrt(b0) + 1e-12
    fl[done] = _hilton(fi[done], dimo[done] / b0[done])
    return fl, icode, b0, sp


def equator_field(sp: np.ndarray, field: Field, stps: float = 0.05, bdel: float = 1e-3):
    """Smallest B along each line, stepping from the scheme's lowest sample ``sp`` (3, N).

    Returns (B0 in Gauss, equatorial radius in Earth radii, found, scheme coordinates (3, N) of the
    minimum): ``found`` is False where five refinements did not settle (B0 is then the last estimate).
    """
    n_rows = sp.shape[1]
    sp = sp.copy()
    step = np.full(n_rows, stps)
    bold, rold = np.full(n_rows, 1e4), np.full(n_rows, np.nan)
    found = np.ones(n_rows, dtype=bool)
    pending = np.arange(n_rows)
    for _ in range(5):
        if not len(pending):
            break
        i = pending
        step[i] = np.where(sp[2, i] >= 0, -np.abs(step[i]), np.abs(step[i]))
        (c1, c2, c3), _, _, step[i] = start_columns(sp[:, i], step[i], i, field)
        step12 = step[i] / 12.0
        run_old = np.full(len(i), 1e4)
        moving = np.ones(len(i), dtype=bool)
        restart = np.zeros(len(i), dtype=bool)
        for _ in range(MAX_STEPS):
            if not moving.any():
                break
            k = np.flatnonzero(moving)
            c3[0, k] = c2[0, k] + step12[k] * (5 * c3[3, k] + 8 * c2[3, k] - c1[3, k])
            c3[1, k] = c2[1, k] + step12[k] * (5 * c3[4, k] + 8 * c2[4, k] - c1[4, k])
            c4 = c3.copy()
            c4[:, k], bq, r = _point(
                _predict(c1[:, k], c2[:, k], c3[:, k], step12[k], step[i[k]]), i[k], field
            )
            c1, c2, c3 = np.where(moving, c2, c1), np.where(moving, c3, c2), np.where(moving, c4, c3)
            b = np.sqrt(bq)
            down = b <= run_old[k]
            run_old[k[down]], rold[i[k[down]]] = b[down], 1.0 / r[down]
            sp[:, i[k[down]]] = c4[:3, k[down]]
            up = k[~down]
            moving[up] = False
            restart[up] = (b[~down] - run_old[up]) / run_old[up] > bdel
        bold[i] = run_old
        step[i[restart]] /= 10.0
        pending = i[restart]
    found[pending] = False
    return bold, rold, found, sp
