"""The spacecraft's state at given times from magic7 records, as ft2Util's Magic7 class gives it.

- position and velocity: the ORB record at that time, else a cubic Hermite interpolation from the
  neighbouring records' positions and velocities (exact at the records);
- attitude: the ATT quaternion at that time, else a slerp between the neighbouring ones;
- GNC mode and SAA flag: those of the last ORB record at or before the time.

Nothing here interpolates across a gap between records longer than the caller allows:
``interpolable`` tells which times can be served, and the callers leave the others out.
"""

from __future__ import annotations

import numpy as np

from pipelines.science.magic7 import Magic7Data

# Two time stamps closer than this are the same time (ft2Util configuration NULL_TIME_DIFFERENCE).
SAME_TIME = 1e-6


def unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def bracket(samples: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the sample at or before each time (clipped to leave a right neighbour) and fraction."""
    index = np.clip(np.searchsorted(samples, times, side="right") - 1, 0, len(samples) - 2)
    fraction = (times - samples[index]) / (samples[index + 1] - samples[index])
    return index, fraction


def interpolable(samples: np.ndarray, times: np.ndarray, max_gap: float) -> np.ndarray:
    """Mask of the times on a sample, or between two samples at most ``max_gap`` apart."""
    after = np.searchsorted(samples, times - SAME_TIME, side="left")
    next_sample = samples[np.minimum(after, len(samples) - 1)]
    on_sample = (after < len(samples)) & (np.abs(next_sample - times) <= SAME_TIME)
    inside = (after > 0) & (after < len(samples))
    return on_sample | (inside & (next_sample - samples[np.maximum(after - 1, 0)] <= max_gap))


def slerp(sample_met: np.ndarray, quaternions: np.ndarray, met: np.ndarray) -> np.ndarray:
    """Spherical linear interpolation of unit quaternions at ``met`` (exact at sample times)."""
    index, fraction = bracket(sample_met, met)
    q0, q1 = quaternions[index], quaternions[index + 1]
    cos_angle = np.sum(q0 * q1, axis=1)
    # q and -q are the same rotation: take the short way round.
    q1 = np.where(cos_angle[:, None] < 0, -q1, q1)
    cos_angle = np.abs(cos_angle)
    angle = np.arccos(np.clip(cos_angle, -1.0, 1.0))
    sin_angle = np.sin(angle)
    tiny = sin_angle < 1e-9
    safe = np.where(tiny, 1.0, sin_angle)
    w0 = np.where(tiny, 1 - fraction, np.sin((1 - fraction) * angle) / safe)
    w1 = np.where(tiny, fraction, np.sin(fraction * angle) / safe)
    return unit(w0[:, None] * q0 + w1[:, None] * q1)


def hermite(
    sample_met: np.ndarray, position: np.ndarray, velocity: np.ndarray, met: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cubic Hermite interpolation of position with its velocity; exact at sample times."""
    index, s = bracket(sample_met, met)
    h = (sample_met[index + 1] - sample_met[index])[:, None]
    s = s[:, None]
    p0, p1 = position[index], position[index + 1]
    v0, v1 = velocity[index] * h, velocity[index + 1] * h
    s2, s3 = s * s, s * s * s
    interpolated = (
        (2 * s3 - 3 * s2 + 1) * p0 + (s3 - 2 * s2 + s) * v0 + (-2 * s3 + 3 * s2) * p1 + (s3 - s2) * v1
    )
    derivative = (
        (6 * s2 - 6 * s) * p0 + (3 * s2 - 4 * s + 1) * v0 + (-6 * s2 + 6 * s) * p1 + (3 * s2 - 2 * s) * v1
    ) / h
    # At a record the record itself, not the cubic evaluated there (which may differ by an ulp).
    on_record = np.abs(sample_met[index] - met) <= SAME_TIME
    interpolated[on_record], derivative[on_record] = position[index[on_record]], velocity[index[on_record]]
    return interpolated, derivative


def orbit_state(data: Magic7Data, met: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position (m) and velocity (m/s), J2000, at each MET."""
    return hermite(data.orb_met, data.orb_position, data.orb_velocity, np.asarray(met, dtype=float))


def attitude(data: Magic7Data, met: np.ndarray) -> np.ndarray:
    """Body-to-J2000 quaternions (x, y, z, w) at each MET."""
    return slerp(data.att_met, data.att_quaternion, np.asarray(met, dtype=float))


def last_orb_record(data: Magic7Data, met: np.ndarray) -> np.ndarray:
    """Index of the ORB record in force at each MET: the one at that time, else the latest before."""
    return np.clip(np.searchsorted(data.orb_met, np.asarray(met) + SAME_TIME, side="right") - 1, 0, None)


def position_one_second_later(
    data: Magic7Data, met: np.ndarray, position: np.ndarray, velocity: np.ndarray, max_gap: float
) -> np.ndarray:
    """Position at MET + 1 s, for the orbital pole: the ORB record or its interpolation; where that
    would cross a long gap or leave the records, the state at MET carried 1 s along its velocity
    (the pole only needs the orbital plane, which that keeps to well below the column precision)."""
    later = np.asarray(met, dtype=float) + 1.0
    served = interpolable(data.orb_met, later, max_gap)
    carried = position + velocity
    if served.any():
        carried[served] = orbit_state(data, later[served])[0]
    return carried
