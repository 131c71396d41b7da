"""Every compiled kernel of the FT2 science, and every constant they use, in this one file.

Why compiled (numba): each row's McIlwain L and B0 take a few dozen IGRF field evaluations,
sequential along its field line and each ending in a row-dependent test. Vectorised over rows in
lockstep, numpy paid for every step in whole-array temporaries, fancy indexing and compaction of
the live rows, and the synthesis ran as ~30 passes over (14, M) Legendre tables: 77% of a day's
FT2 under fermi-2014 went there. Here one row runs the scheme as the Fortran does (``fieldline``
describes it) with its coefficients formed once, and the synthesis is a scalar loop. No fastmath:
the operations run in the order of the formulas; IEEE semantics as in numpy (a division by zero
gives inf or NaN, which the scheme reports as a failed row, icode 0, rather than raising).

Why one file: the machine code is cached on disk (``cache=True``) so that a worker compiles once,
and numba checks a cached kernel only against its own source file: a kernel calling kernels, or
reading constants, of another file would keep stale machine code after an edit there.
"""

from __future__ import annotations

import numba
import numpy as np

NMAX = 13  # degree of the IGRF tables
kernel = numba.njit(cache=True, error_model="numpy")


# --- IGRF synthesis ---------------------------------------------------------------------------


def _recursion_factors() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Schmidt semi-normalised recursion: P_n^m = a[n, m] cos(t) P_{n-1}^m - b[n, m] P_{n-2}^m for
    m < n, and P_n^n = diagonal[n] sin(t) P_{n-1}^{n-1}."""
    a, b = np.zeros((NMAX + 1, NMAX + 1)), np.zeros((NMAX + 1, NMAX + 1))
    diagonal = np.ones(NMAX + 1)
    for n in range(1, NMAX + 1):
        m = np.arange(n)
        a[n, :n] = (2 * n - 1) / np.sqrt(n * n - m * m)
        b[n, :n] = np.sqrt(np.maximum((n - 1) ** 2 - m * m, 0)) / np.sqrt(n * n - m * m)
        diagonal[n] = 1.0 if n == 1 else np.sqrt((2 * n - 1) / (2 * n))
    return a, b, diagonal


_A, _B, _DIAGONAL = _recursion_factors()  # constants of the compiled synthesis


@kernel
def workspace() -> np.ndarray:
    """Scratch of ``field_nt``: Legendre values and derivatives by degree + 1 (row 0, degree -1, and
    the entries above each degree's own orders stay 0), cos(m phi) and sin(m phi) in row 0."""
    return np.zeros((4, NMAX + 2, NMAX + 1))


# The synthesis at one point, which the field-line kernels below call from their per-row loops:
# about 0.45 us of CPU (as whole-array numpy passes, with every point's coefficients formed anew,
# it cost 2.5 to 6 us).
@kernel
def field_nt(x: float, y: float, z: float, g: np.ndarray, h: np.ndarray, work: np.ndarray):
    """Internal field -grad V (bx, by, bz) in nT at one point (units of ERA_KM), coefficients
    ``g``, ``h`` (NMAX + 1, NMAX + 1) in nT indexed [n, m]; ``work`` from ``workspace()``."""
    p, dp, cosm, sinm = work[0], work[1], work[2, 0], work[3, 0]
    rho = np.hypot(x, y)
    r = np.sqrt(rho * rho + z * z)
    ct, st = z / r, max(rho / r, 1e-300)
    if rho > 0.0:
        cp, sp = x / rho, y / rho
    else:
        cp, sp = 1.0, 0.0
    cosm[0], sinm[0] = 1.0, 0.0
    for m in range(1, NMAX + 1):  # cos(m phi), sin(m phi) by the angle-sum recursion
        cosm[m] = cosm[m - 1] * cp - sinm[m - 1] * sp
        sinm[m] = sinm[m - 1] * cp + cosm[m - 1] * sp
    p[1, 0], dp[1, 0] = 1.0, 0.0  # p[n + 1, m] is P_n^m, dp[n + 1, m] its theta derivative
    inv_r = 1.0 / r
    power = inv_r * inv_r  # (a/r)^(n+2), starting at n = 0
    br = bt = bp = 0.0
    for n in range(1, NMAX + 1):
        power *= inv_r
        radial = polar = azimuthal = 0.0
        for m in range(n + 1):
            if m < n:  # for m = n - 1 the factor b is 0 and P_{n-2}^m is a 0 of the workspace
                pn = _A[n, m] * ct * p[n, m] - _B[n, m] * p[n - 1, m]
                dpn = _A[n, m] * (ct * dp[n, m] - st * p[n, m]) - _B[n, m] * dp[n - 1, m]
            else:
                pn = _DIAGONAL[n] * st * p[n, n - 1]
                dpn = _DIAGONAL[n] * (ct * p[n, n - 1] + st * dp[n, n - 1])
            p[n + 1, m], dp[n + 1, m] = pn, dpn
            c, s = cosm[m], sinm[m]
            even = g[n, m] * c + h[n, m] * s
            radial += even * pn
            polar += even * dpn
            azimuthal += m * (g[n, m] * s - h[n, m] * c) * pn
        br += (n + 1) * power * radial
        bt -= power * polar
        bp += power * azimuthal / st
    horizontal = br * st + bt * ct
    return horizontal * cp - bp * sp, horizontal * sp + bp * cp, br * ct - bt * st


@kernel
def epoch_coefficients(g0, h0, rate_g, rate_h, dt: float, g: np.ndarray, h: np.ndarray) -> None:
    """g = g0 + dt * rate_g (and h) into ``g``, ``h``: one row's coefficients at its epoch."""
    for n in range(NMAX + 1):
        for m in range(NMAX + 1):
            g[n, m] = g0[n, m] + rate_g[n, m] * dt
            h[n, m] = h0[n, m] + rate_h[n, m] * dt


@kernel
def field_of_rows(position, pieces, dt, g0, h0, rate_g, rate_h, scale: float, out) -> None:
    """out[i] = scale * field at position[i] with the coefficients of piece pieces[i] at dt[i]."""
    g, h = np.empty((NMAX + 1, NMAX + 1)), np.empty((NMAX + 1, NMAX + 1))
    work = workspace()
    for i in range(len(position)):
        k = pieces[i]
        epoch_coefficients(g0[k], h0[k], rate_g[k], rate_h[k], dt[i], g, h)
        bx, by, bz = field_nt(position[i, 0], position[i, 1], position[i, 2], g, h, work)
        out[i, 0], out[i, 1], out[i, 2] = bx * scale, by * scale, bz * scale


# --- the field-line scheme (see fieldline) ---------------------------------------------------

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


@kernel
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
    bx, by, bz = field_nt(xi0 / rq, xi1 / rq, xi2 / rq, g, h, work)  # the real-space point
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


@kernel
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


@kernel
def _correct(c, step12: float) -> None:
    """Adams-Moulton corrector of the third column's p1, p2 (q stays that of the predicted point)."""
    c[2, 0] = c[1, 0] + step12 * (5 * c[2, 3] + 8 * c[1, 3] - c[0, 3])
    c[2, 1] = c[1, 1] + step12 * (5 * c[2, 4] + 8 * c[1, 4] - c[0, 4])


@kernel
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


@kernel
def _dipole_inverse(x0: float, x1: float, x2: float) -> tuple[float, float, float]:
    rq = 1.0 / (x0 * x0 + x1 * x1 + x2 * x2)
    d0 = x0 * U[0, 0] + x1 * U[1, 0] + x2 * U[2, 0]
    d1 = x0 * U[0, 1] + x1 * U[1, 1] + x2 * U[2, 1]
    d2 = x0 * U[0, 2] + x1 * U[1, 2] + x2 * U[2, 2]
    scale = np.sqrt(rq * np.sqrt(rq))
    return d0 * scale, d1 * scale, d2 * rq


@kernel
def dipole_inverse_rows(x, out) -> None:
    for row in range(len(x)):
        out[0, row], out[1, row], out[2, row] = _dipole_inverse(x[row, 0], x[row, 1], x[row, 2])


@kernel
def shell_rows(x, pieces, dt, g0, h0, rate_g, rate_h, fl, icode, b0_out, fi_out, sp_out) -> None:
    g, h = np.empty((NMAX + 1, NMAX + 1)), np.empty((NMAX + 1, NMAX + 1))
    work = workspace()
    c = np.zeros((3, 8))
    for row in range(len(x)):
        k = pieces[row]
        epoch_coefficients(g0[k], h0[k], rate_g[k], rate_h[k], dt[row], g, h)
        fl[row], icode[row], b0_out[row], fi_out[row] = _shell_row(
            x[row, 0], x[row, 1], x[row, 2], g, h, work, c, sp_out[:, row]
        )


@kernel
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


@kernel
def equator_rows(sp, pieces, dt, g0, h0, rate_g, rate_h, bold, rold, found) -> None:
    g, h = np.empty((NMAX + 1, NMAX + 1)), np.empty((NMAX + 1, NMAX + 1))
    work = workspace()
    c = np.zeros((3, 8))
    for row in range(sp.shape[1]):
        k = pieces[row]
        epoch_coefficients(g0[k], h0[k], rate_g[k], rate_h[k], dt[row], g, h)
        bold[row], rold[row], found[row] = _equator_row(g, h, work, c, sp[:, row])


@kernel
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
