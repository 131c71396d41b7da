"""IGRF main field: coefficient tables of each generation and spherical-harmonic synthesis.

Tables live in ``data/igrfNN.txt`` (IAGA V-MOD coefficients, source named in each header). The
coefficients at a decimal year are taken as the Fermi ground software (astro ``FELDCOF``) took
them: linear interpolation between the two bracketing epochs, linear extrapolation with the
secular variation after the last one. The synthesis is vectorised over points and returns the
field in Gauss in geocentric Cartesian axes for positions in units of the IGRF reference radius.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ERA_KM = 6371.2  # IGRF reference radius; also the length unit of the field-line tracing
NMAX = 13
SYNTHESIS_BLOCK = 8192  # points per block of the synthesis
DATA = Path(__file__).resolve().parent / "data"
GENERATIONS = {
    "IGRF-11": "igrf11.txt",
    "IGRF-12": "igrf12.txt",
    "IGRF-13": "igrf13.txt",
    "IGRF-14": "igrf14.txt",
}


@dataclass(frozen=True)
class IgrfTable:
    generation: str
    source: str
    epochs: np.ndarray  # (E,) decimal years
    g: np.ndarray  # (E, NMAX + 1, NMAX + 1) nT, indexed [epoch, n, m]
    h: np.ndarray
    sv_g: np.ndarray  # (NMAX + 1, NMAX + 1) nT/yr after the last epoch
    sv_h: np.ndarray

    def piece(self, year: np.ndarray) -> np.ndarray:
        """Index k of the linear piece for each year: [epochs[k], epochs[k+1]), the last one open."""
        year = np.asarray(year, dtype=float)
        if np.any(year < self.epochs[0]):
            raise ValueError(f"{self.generation} table here starts at {self.epochs[0]}; got {year.min()}")
        return np.clip(np.searchsorted(self.epochs, year, side="right") - 1, 0, len(self.epochs) - 1)

    def linear(self, k: int) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(t0, g0, h0, rate_g, rate_h) of piece k: coefficients = g0 + (year - t0) * rate."""
        if k < len(self.epochs) - 1:
            span = self.epochs[k + 1] - self.epochs[k]
            return (
                float(self.epochs[k]),
                self.g[k],
                self.h[k],
                (self.g[k + 1] - self.g[k]) / span,
                (self.h[k + 1] - self.h[k]) / span,
            )
        return float(self.epochs[-1]), self.g[-1], self.h[-1], self.sv_g, self.sv_h

    def coefficients(self, year: float) -> tuple[np.ndarray, np.ndarray]:
        t0, g0, h0, rg, rh = self.linear(int(self.piece(year)))
        return g0 + (year - t0) * rg, h0 + (year - t0) * rh

    def dipole_moment_gauss(self, year: np.ndarray) -> np.ndarray:
        """sqrt(g10^2 + g11^2 + h11^2) at each year, Gauss (FELDCOF's DIMO)."""
        year = np.asarray(year, dtype=float)
        out = np.empty(year.shape)
        pieces = self.piece(year)
        for k in np.unique(pieces):
            t0, g0, h0, rg, rh = self.linear(int(k))
            dt = year[pieces == k] - t0
            g10, g11, h11 = g0[1, 0] + dt * rg[1, 0], g0[1, 1] + dt * rg[1, 1], h0[1, 1] + dt * rh[1, 1]
            out[pieces == k] = np.sqrt(g10 * g10 + g11 * g11 + h11 * h11) * 1e-5
        return out


def _path(generation: str) -> Path:
    try:
        return DATA / GENERATIONS[generation]
    except KeyError:
        raise ValueError(f"unknown IGRF generation {generation!r}; have {sorted(GENERATIONS)}") from None


@functools.cache
def table_sha256(generation: str) -> str:
    """The coefficient file's sha256: which numbers the field came from, for provenance."""
    return hashlib.sha256(_path(generation).read_bytes()).hexdigest()


@functools.cache
def load(generation: str) -> IgrfTable:
    lines = _path(generation).read_text().splitlines()
    source = lines[0].lstrip("# ").strip()
    body = [line.split() for line in lines if line and not line.startswith("#")]
    epochs = np.array([float(x) for x in body[1][3:-1]])
    g = np.zeros((len(epochs), NMAX + 1, NMAX + 1))
    h = np.zeros_like(g)
    sv_g = np.zeros((NMAX + 1, NMAX + 1))
    sv_h = np.zeros_like(sv_g)
    for row in body[2:]:
        n, m = int(row[1]), int(row[2])
        values = np.array([float(x) for x in row[3:]])
        target, sv = (g, sv_g) if row[0] == "g" else (h, sv_h)
        target[:, n, m] = values[:-1]
        sv[n, m] = values[-1]
    return IgrfTable(generation, source, epochs, g, h, sv_g, sv_h)


@functools.cache
def _recursion_factors(n: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Schmidt semi-normalised recursion: P_n^m = a_m cos(t) P_{n-1}^m - b_m P_{n-2}^m (m < n)."""
    m = np.arange(n)
    a = (2 * n - 1) / np.sqrt(n * n - m * m)
    b = np.sqrt(np.maximum((n - 1) ** 2 - m * m, 0)) / np.sqrt(n * n - m * m)
    diagonal = 1.0 if n == 1 else np.sqrt((2 * n - 1) / (2 * n))
    return a[:, None], b[:, None], diagonal


def synthesis(
    position: np.ndarray,
    g: np.ndarray,
    h: np.ndarray,
    rate_g: np.ndarray | None = None,
    rate_h: np.ndarray | None = None,
    dt: np.ndarray | None = None,
) -> np.ndarray:
    """Internal field -grad V (M, 3), nT, Cartesian axes, at positions (M, 3) in units of ERA_KM.

    Coefficients ``g``, ``h`` (NMAX + 1, NMAX + 1) in nT, indexed [n, m]; with ``rate_g``, ``rate_h``
    (nT/yr) and ``dt`` (M,) in years each point has its own coefficients g + dt * rate_g. Points go
    through in blocks small enough for the recursion's arrays to stay in the processor's cache.
    """
    position = np.asarray(position, dtype=float)
    out = np.empty((len(position), 3))
    for first in range(0, len(position), SYNTHESIS_BLOCK):
        block = slice(first, first + SYNTHESIS_BLOCK)
        years = None if dt is None else np.asarray(dt)[block]
        out[block] = _synthesis_block(position[block], g, h, rate_g, rate_h, years)
    return out


def _synthesis_block(position, g, h, rate_g, rate_h, dt) -> np.ndarray:
    x, y, z = position.T
    rho = np.hypot(x, y)
    r = np.sqrt(rho * rho + z * z)
    ct, st = z / r, np.maximum(rho / r, 1e-300)
    phase = np.arctan2(y, x)
    orders = np.arange(NMAX + 1)[:, None]
    cosm, sinm = np.cos(orders * phase), np.sin(orders * phase)
    br, bt, bp = np.zeros(len(r)), np.zeros(len(r)), np.zeros(len(r))
    # Legendre values P_n^m and their theta derivatives, degree n kept in slot n % 3.
    p = [np.zeros((NMAX + 1, len(r))) for _ in range(3)]
    dp = [np.zeros((NMAX + 1, len(r))) for _ in range(3)]
    p[0][0] = 1.0
    inv_r = 1.0 / r
    power = inv_r * inv_r  # (a/r)^(n+2), starting at n = 0
    for n in range(1, NMAX + 1):
        power = power * inv_r
        a, b, diagonal = _recursion_factors(n)
        now, prev, prev2 = p[n % 3], p[(n - 1) % 3], p[(n - 2) % 3]
        dnow, dprev, dprev2 = dp[n % 3], dp[(n - 1) % 3], dp[(n - 2) % 3]
        low = n - 1  # for m = n - 1 the factor b is 0 and degree n - 2 has no such order
        np.multiply(a * ct, prev[:n], out=now[:n])
        now[:low] -= b[:low] * prev2[:low]
        np.multiply(a, ct * dprev[:n] - st * prev[:n], out=dnow[:n])
        dnow[:low] -= b[:low] * dprev2[:low]
        now[n] = diagonal * st * prev[n - 1]
        dnow[n] = diagonal * (ct * prev[n - 1] + st * dprev[n - 1])
        gn, hn = g[n, : n + 1, None], h[n, : n + 1, None]
        if dt is not None:
            gn, hn = gn + rate_g[n, : n + 1, None] * dt, hn + rate_h[n, : n + 1, None] * dt
        c, s = cosm[: n + 1], sinm[: n + 1]
        even = gn * c + hn * s
        odd = orders[: n + 1] * (gn * s - hn * c)
        br += (n + 1) * power * np.einsum("ij,ij->j", even, now[: n + 1])
        bt -= power * np.einsum("ij,ij->j", even, dnow[: n + 1])
        bp += power * np.einsum("ij,ij->j", odd, now[: n + 1]) / st
    cp, sp = np.cos(phase), np.sin(phase)
    horizontal = br * st + bt * ct
    return np.stack([horizontal * cp - bp * sp, horizontal * sp + bp * cp, br * ct - bt * st], axis=-1)


class EpochField:
    """The field of one table at each row's own decimal year; rows indexed into ``year``."""

    def __init__(self, table: IgrfTable, year: np.ndarray):
        self.table = table
        self.year = np.asarray(year, dtype=float)
        self.pieces = table.piece(self.year)
        self.dimo = table.dipole_moment_gauss(self.year)

    def gauss(self, position: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Field (M, 3) in Gauss at positions (M, 3) [ERA_KM units] for the epochs of ``rows``."""
        out = np.empty((len(rows), 3))
        pieces = self.pieces[rows]
        for k in np.unique(pieces):
            sel = pieces == k
            t0, g0, h0, rg, rh = self.table.linear(int(k))
            out[sel] = synthesis(position[sel], g0, h0, rg, rh, self.year[rows[sel]] - t0) * 1e-5
        return out
