"""Derived columns of Fermi LAT FT2 rows under named definition sets (numpy, numba, astropy, ERFA).

``derive(definitions, start, stop, position_m, quaternion)`` returns every derived column;
``available()``, ``describe()`` and ``versions()`` tell the sets apart for headers and provenance.
Modules: frames (time, sidereal time, geodetic formulas, attitude axes), sun, igrf (coefficient
tables and synthesis), fieldline (the L and B0 field-line scheme), kernels (the compiled code of
both), mcilwain (B/B0, L, invariant latitude, LAMBDA), definitions (the sets and ``derive``).
"""

from pipelines.science.ft2science.definitions import COLUMNS, available, derive, describe, versions

__all__ = ["COLUMNS", "available", "derive", "describe", "versions"]
