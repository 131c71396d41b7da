"""Generator of realistic magic7 files for demos, tests and benchmarks.

Fermi-like circular low-Earth orbit (550 km, 25.6 degrees inclination) in survey mode: the LAT
z-axis is rocked about 50 degrees north and south of zenith, alternating each orbit, with the
x-axis along the velocity. ORB records at 1 Hz, ATT records at 5 Hz, with the microsecond offsets
seen in flight files. Deterministic given the seed; ``inject_malformed`` adds each kind of bad
line the parser must report.
"""

from __future__ import annotations

import gzip
import itertools
import os
from dataclasses import dataclass

import erfa
import numpy as np
import pandas as pd

EARTH_GM = 3.986004418e14  # m^3/s^2
EARTH_EQUATORIAL_RADIUS = 6378137.0  # m
MET_EPOCH = np.datetime64("2001-01-01T00:00:00", "us")
MET_EPOCH_TAI_MINUS_UTC = 32.0
ORB_OFFSET_US = 600_000  # ORB records fall at .6 s and ATT records at .162893 s, as in flight files
ATT_OFFSET_US = 162_893
ATT_STEP_US = 200_000
SURVEY_MODE = 5
# A rough South Atlantic Anomaly box (geocentric latitude, east longitude), enough for a demo.
SAA_LATITUDE = (-30.0, -5.0)
SAA_LONGITUDE = (-90.0, 30.0)
MALFORMED_KINDS = ("field_count", "non_number", "backwards", "duplicate")


@dataclass(frozen=True)
class Orbit:
    altitude_m: float = 550e3
    inclination_deg: float = 25.6
    rock_deg: float = 50.0
    raan_deg: float = 0.0
    phase_deg: float = 0.0  # argument of latitude at MET 0

    @classmethod
    def from_seed(cls, seed: int) -> Orbit:
        rng = np.random.default_rng(seed)
        return cls(raan_deg=float(rng.uniform(0, 360)), phase_deg=float(rng.uniform(0, 360)))

    @property
    def radius(self) -> float:
        return EARTH_EQUATORIAL_RADIUS + self.altitude_m

    @property
    def mean_motion(self) -> float:
        return float(np.sqrt(EARTH_GM / self.radius**3))

    def state(self, met: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Position (m), velocity (m/s) and argument of latitude (rad) at each MET."""
        u = np.deg2rad(self.phase_deg) + self.mean_motion * met
        node = np.deg2rad(self.raan_deg)
        incl = np.deg2rad(self.inclination_deg)
        cos_u, sin_u = np.cos(u), np.sin(u)
        # In-plane unit vectors: towards the ascending node and 90 degrees ahead of it.
        node_dir = np.array([np.cos(node), np.sin(node), 0.0])
        ahead_dir = np.array([-np.sin(node) * np.cos(incl), np.cos(node) * np.cos(incl), np.sin(incl)])
        position = self.radius * (np.outer(cos_u, node_dir) + np.outer(sin_u, ahead_dir))
        velocity = self.radius * self.mean_motion * (np.outer(-sin_u, node_dir) + np.outer(cos_u, ahead_dir))
        return position, velocity, u

    def attitude(self, met: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Body-to-ECI quaternions (x, y, z, w) and body rates (rad/s) for survey-mode rocking."""
        position, velocity, u = self.state(met)
        zenith = position / np.linalg.norm(position, axis=1, keepdims=True)
        along_track = velocity / np.linalg.norm(velocity, axis=1, keepdims=True)
        pole = np.cross(zenith, along_track)
        # cos(u/2) changes sign once per orbit; tanh smooths the slew between north and south.
        rock = np.deg2rad(self.rock_deg) * np.tanh(8.0 * np.cos(u / 2))[:, None]
        z_axis = np.cos(rock) * zenith + np.sin(rock) * pole
        y_axis = np.cross(z_axis, along_track)
        rotation = np.stack([along_track, y_axis, z_axis], axis=2)  # columns: body axes in ECI
        rate_eci = self.mean_motion * pole
        rate_body = np.einsum("nji,nj->ni", rotation, rate_eci)
        return matrix_to_quaternion(rotation), rate_body


def matrix_to_quaternion(rotation: np.ndarray) -> np.ndarray:
    """Rotation matrices (n, 3, 3) to unit quaternions (n, 4) ordered x, y, z, w."""
    r = rotation
    w = 0.5 * np.sqrt(np.maximum(0.0, 1 + r[:, 0, 0] + r[:, 1, 1] + r[:, 2, 2]))
    x = 0.5 * np.sqrt(np.maximum(0.0, 1 + r[:, 0, 0] - r[:, 1, 1] - r[:, 2, 2]))
    y = 0.5 * np.sqrt(np.maximum(0.0, 1 - r[:, 0, 0] + r[:, 1, 1] - r[:, 2, 2]))
    z = 0.5 * np.sqrt(np.maximum(0.0, 1 - r[:, 0, 0] - r[:, 1, 1] + r[:, 2, 2]))
    x = np.copysign(x, r[:, 2, 1] - r[:, 1, 2])
    y = np.copysign(y, r[:, 0, 2] - r[:, 2, 0])
    z = np.copysign(z, r[:, 1, 0] - r[:, 0, 1])
    quaternion = np.column_stack([x, y, z, w])
    return quaternion / np.linalg.norm(quaternion, axis=1, keepdims=True)


def met_to_utc(met_us: np.ndarray) -> np.ndarray:
    """MET in integer microseconds to UTC datetime64[us], using the leap-second table."""
    table = erfa.leap_seconds.get()
    table = table[table["year"] >= 2001]
    leap_days = np.array([f"{y:04d}-{m:02d}-01" for y, m in zip(table["year"], table["month"], strict=True)])
    leaps = (table["tai_utc"] - MET_EPOCH_TAI_MINUS_UTC).astype(np.int64) * 1_000_000
    # MET at which each new TAI-UTC value starts to apply.
    leap_met_us = (leap_days.astype("datetime64[us]") - MET_EPOCH).astype(np.int64) + leaps
    index = np.searchsorted(leap_met_us, met_us, side="right") - 1
    elapsed_leaps = np.where(index >= 0, leaps[np.maximum(index, 0)], 0)
    return MET_EPOCH + (met_us - elapsed_leaps).astype("timedelta64[us]")


def _in_saa(position: np.ndarray, met: np.ndarray) -> np.ndarray:
    """Rough SAA membership; Earth rotation by the Earth Rotation Angle with UT1 ~ TT."""
    era = erfa.era00(2451910.5, 7.428703703703703e-4 + met / 86400.0)
    longitude = np.rad2deg(np.arctan2(position[:, 1], position[:, 0]) - era)
    longitude = (longitude + 180.0) % 360.0 - 180.0
    latitude = np.rad2deg(np.arcsin(position[:, 2] / np.linalg.norm(position, axis=1)))
    return (
        (latitude >= SAA_LATITUDE[0])
        & (latitude <= SAA_LATITUDE[1])
        & (longitude >= SAA_LONGITUDE[0])
        & (longitude <= SAA_LONGITUDE[1])
    )


def _records(met_us: np.ndarray, kind: str, columns: dict[str, np.ndarray]) -> tuple[np.ndarray, list[str]]:
    stamp = np.datetime_as_string(met_to_utc(met_us), unit="us")
    frame = pd.DataFrame(
        {
            "date": np.char.partition(stamp.astype(str), "T")[:, 0],
            "time": np.char.partition(stamp.astype(str), "T")[:, 2],
            "kind": kind,
            "seconds": met_us // 1_000_000,
            "micros": met_us % 1_000_000,
            **columns,
        }
    )
    text = frame.to_csv(sep=" ", header=False, index=False, float_format="%.10g", lineterminator="\n")
    return met_us, text.splitlines()


def magic7_lines(
    start: float, stop: float, seed: int = 0, margin: float = 5.0, velocity_bias: float = 0.0
) -> list[str]:
    """magic7 lines covering [start - margin, stop + margin] seconds of MET, in time order; with
    ``velocity_bias`` (m/s) the ORB velocities are off by that much along x, as a telemetry
    calibration error would make them (the FT2 velocity check sees it)."""
    orbit = Orbit.from_seed(seed)
    first_us = int(np.floor(start - margin)) * 1_000_000
    last_us = int(np.ceil(stop + margin)) * 1_000_000
    orb_us = np.arange(first_us + ORB_OFFSET_US, last_us, 1_000_000, dtype=np.int64)
    att_us = np.arange(first_us + ATT_OFFSET_US, last_us, ATT_STEP_US, dtype=np.int64)
    orb_met = orb_us / 1e6
    position, velocity, _ = orbit.state(orb_met)
    velocity = velocity + np.array([velocity_bias, 0.0, 0.0])
    quaternion, rate = orbit.attitude(att_us / 1e6)
    orb_times, orb_lines = _records(
        orb_us,
        "ORB",
        {
            **{f"p{i}": position[:, i] for i in range(3)},
            **{f"v{i}": velocity[:, i] for i in range(3)},
            "mode": np.full(len(orb_us), SURVEY_MODE),
            "saa": _in_saa(position, orb_met).astype(int),
        },
    )
    att_times, att_lines = _records(
        att_us,
        "ATT",
        {**{f"q{i}": quaternion[:, i] for i in range(4)}, **{f"w{i}": rate[:, i] for i in range(3)}},
    )
    lines = np.array(att_lines + orb_lines, dtype=object)
    order = np.argsort(np.concatenate([att_times, orb_times]), kind="stable")
    return lines[order].tolist()


def inject_malformed(
    lines: list[str], seed: int = 0, per_kind: int = 1
) -> tuple[list[str], dict[str, list[int]]]:
    """Insert ``per_kind`` bad lines of each kind; return the new lines and their 1-based numbers."""
    rng = np.random.default_rng(seed)
    count = len(lines)
    inserted: list[tuple[int, str, str]] = []  # (insert after original index, text, kind)
    for kind in MALFORMED_KINDS:
        for source in rng.integers(100, count - 100, size=per_kind).tolist():
            fields = lines[source].split(" ")
            if kind == "field_count":
                inserted.append((source, " ".join(fields[:-1]), kind))
            elif kind == "non_number":
                fields[7] = "1.2.3"
                inserted.append((source, " ".join(fields), kind))
            elif kind == "backwards":
                inserted.append((source + 60, lines[source], kind))
            else:
                inserted.append((source, lines[source], kind))
    positions = np.concatenate([np.arange(count), [after for after, _, _ in inserted]])
    is_injected = np.concatenate([np.zeros(count, bool), np.ones(len(inserted), bool)])
    order = np.lexsort((is_injected, positions))
    texts = lines + [text for _, text, _ in inserted]
    new_lines = [texts[i] for i in order.tolist()]
    line_numbers: dict[str, list[int]] = {kind: [] for kind in MALFORMED_KINDS}
    final_position = np.empty(len(order), dtype=np.int64)
    final_position[order] = np.arange(len(order))
    for offset, (_, _, kind) in enumerate(inserted):
        line_numbers[kind].append(int(final_position[count + offset]) + 1)
    return new_lines, {kind: sorted(numbers) for kind, numbers in line_numbers.items()}


def write_magic7(
    path: str | os.PathLike,
    start: float,
    stop: float,
    seed: int = 0,
    malformed_per_kind: int = 0,
    velocity_bias: float = 0.0,
) -> dict[str, list[int]]:
    """Write a magic7 file (gzip when the name ends in .gz); return injected bad line numbers."""
    lines = magic7_lines(start, stop, seed, velocity_bias=velocity_bias)
    injected: dict[str, list[int]] = {}
    if malformed_per_kind:
        lines, injected = inject_malformed(lines, seed, malformed_per_kind)
    payload = ("\n".join(lines) + "\n").encode()
    opener = gzip.open if os.fspath(path).endswith(".gz") else open
    with opener(path, "wb") as handle:
        handle.write(payload)
    return injected


def write_livetime_table(path: str | os.PathLike, start: float, stop: float, fraction: float = 0.9) -> None:
    """A livetime table (pipelines.science.livetime's CSV layout) of 1-s rows over [start, stop), each live
    for ``fraction`` of its length, as the LAT's own tools would write for a quiet run."""
    edges = np.append(np.arange(float(start), float(stop), 1.0), float(stop))
    rows = (f"{a!r},{b!r},{fraction * (b - a)!r}" for a, b in itertools.pairwise(edges.tolist()))
    with open(path, "w") as handle:
        handle.write("START,STOP,LIVETIME\n" + "\n".join(rows) + "\n")
