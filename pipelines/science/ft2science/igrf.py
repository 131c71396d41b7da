"""IGRF main field: coefficient tables of each generation and spherical-harmonic synthesis.

Tables live in ``data/igrfNN.txt`` (IAGA V-MOD coefficients, source named in each header). The
coefficients at a decimal year are taken as the Fermi ground software (astro ``FELDCOF``) took
them: linear interpolation between the two bracketing epochs, linear extrapolation with the
secular variation after the last one. The synthesis (``kernels.field_nt``, one point, compiled)
returns the field in geocentric Cartesian axes for positions in units of the IGRF reference radius;
``synthesis`` and ``EpochField.gauss`` run it over arrays of points.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipelines.science.ft2science import kernels

ERA_KM = 6371.2  # IGRF reference radius; also the length unit of the field-line tracing
NMAX = kernels.NMAX
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
    (nT/yr) and ``dt`` (M,) in years each point has its own coefficients g + dt * rate_g.
    """
    position = np.ascontiguousarray(position, dtype=float)
    zero = np.zeros((NMAX + 1, NMAX + 1))
    rates = [zero if rate is None else rate for rate in (rate_g, rate_h)]
    tables = (np.ascontiguousarray([c], dtype=float) for c in (g, h, *rates))
    years = np.zeros(len(position)) if dt is None else np.ascontiguousarray(dt, dtype=float)
    out = np.empty((len(position), 3))
    kernels.field_of_rows(position, np.zeros(len(position), dtype=np.int64), years, *tables, 1.0, out)
    return out


class EpochField:
    """The field of one table at each row's own decimal year.

    For the compiled kernels each row's coefficients are g0[piece] + dt * rate_g[piece] (and h),
    ``piece`` the row's linear piece of the table and ``dt`` its years since the piece's epoch.
    """

    def __init__(self, table: IgrfTable, year: np.ndarray):
        self.table = table
        self.year = np.asarray(year, dtype=float)
        self.pieces = table.piece(self.year)
        self.dimo = table.dipole_moment_gauss(self.year)
        linear = [table.linear(k) for k in range(len(table.epochs))]
        self.dt = self.year - np.array([piece[0] for piece in linear])[self.pieces]
        self.g0, self.h0, self.rate_g, self.rate_h = (
            np.ascontiguousarray([piece[i] for piece in linear], dtype=float) for i in range(1, 5)
        )

    def gauss(self, position: np.ndarray) -> np.ndarray:
        """Field (N, 3) in Gauss at positions (N, 3) [ERA_KM units], row i at row i's epoch."""
        out = np.empty((len(position), 3))
        kernels.field_of_rows(np.ascontiguousarray(position, dtype=float), *self.arrays(), 1e-5, out)
        return out

    def arrays(self) -> tuple[np.ndarray, ...]:
        """(pieces, dt, g0, h0, rate_g, rate_h): the rows' coefficients as the compiled kernels take them."""
        return self.pieces, self.dt, self.g0, self.h0, self.rate_g, self.rate_h
