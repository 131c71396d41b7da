"""Benchmark: one day of magic7 (about 518,000 lines) to a 1-s and a 30-s FT2 file under each
definition set, and the carry-forward of one run (95 minutes, 1-s and 30-s files).

Run as ``.venv/bin/python benchmarks/bench_ft2.py``. Each measurement runs in a fresh process,
imports excluded, so its peak memory is its own; "warm" means the IERS table and the IGRF
coefficients are already loaded, as in a long-lived worker. Every derived column is computed for
every row (the McIlwain field-line integrals included, none interpolated); the share of the time
spent in the field-line integrals is printed. The floors are the same input and output without the
science, measured in the same run: for the day, reading the magic7 text with the pandas C parser and
writing FITS tables of the same columns and sizes with astropy; for the carry-forward, reading the
two previous files and writing them again. Goal: ``fermi-2014`` within 3x of the day's floor, warm.
Each measurement gives wall-clock and CPU seconds: on a shared machine the wall clock includes
waiting for other people's processes, the CPU time of the measured process does not; both ratios
are printed. The field-line integrals are compiled (numba, cached on disk), so the warm-up also
loads their machine code, as a worker has it after its first task.
"""

from __future__ import annotations

import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

START = 545208791.0
DAY = 86400.0
RUN_SECONDS = 5700.0
ROUNDS = 3
GOAL_RATIO = 3.0
GOAL_SET = "fermi-2014"


class Clock:
    """Wall-clock and CPU seconds of this process since it was made."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def peak_mb() -> float:
    """This process's own peak memory: VmHWM starts afresh at exec, where ru_maxrss keeps the
    high-water mark of the parent it was forked from."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0  # kB
    return float("nan")


def timed_field_lines() -> dict[str, float]:
    """Wrap the field-line integrals so that the CPU time spent in them is counted."""
    from pipelines.science.ft2science import fieldline

    spent = {"seconds": 0.0}
    for name in ("shell_parameter", "equator_field"):
        original = getattr(fieldline, name)

        def wrapper(*args, _original=original, **kwargs):
            began = time.process_time()
            try:
                return _original(*args, **kwargs)
            finally:
                spent["seconds"] += time.process_time() - began

        setattr(fieldline, name, wrapper)
    return spent


def pipeline(magic7_path: str, folder: str, definitions: str, results) -> None:
    from pipelines.science import ft2, ft2science
    from pipelines.science.magic7 import read_magic7

    ft2science.versions(definitions)  # loads the IGRF table, as a worker has
    ft2science.derive(definitions, *warm_up_rows())  # and the IERS table for the modern set
    spent = timed_field_lines()
    clock = Clock()
    data = read_magic7(magic7_path)
    for bin_seconds in ft2.BIN_SIZES:
        config = ft2.Ft2Config(bin_seconds=bin_seconds, definitions=definitions)
        name = ft2.product_filename(bin_seconds, "p310", int(START), 1)
        ft2.make_ft2(data, START, START + DAY, config, Path(folder) / f"{definitions}_{name}")
    results.put((*clock.read(), peak_mb(), spent["seconds"]))


def warm_up_rows():
    import numpy as np

    start = np.array([START, START + 30.0])
    position = np.array([[6.9e6, 0.0, 0.0], [6.9e6, 1e5, 0.0]])
    return start, start + 30.0, position, np.array([[0.0, 0.0, 0.0, 1.0]] * 2)


def floor(magic7_path: str, folder: str, rows: dict[float, int], results) -> None:
    import numpy as np
    import pandas as pd
    from astropy.io import fits

    from pipelines.science import ft2

    table = ft2.load_ft2_template().table(ft2.EXTNAME)
    clock = Clock()
    pd.read_csv(magic7_path, sep=" ", header=None, names=list(range(13)))
    for bin_seconds, count in rows.items():
        columns = [
            fits.Column(name=c.name, format=c.tform, unit=c.unit, array=np.ones_like(c.empty(count)))
            for c in table.columns
        ]
        hdu = fits.BinTableHDU.from_columns(columns)
        fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(
            Path(folder) / f"floor_{bin_seconds:g}.fits", overwrite=True, checksum=True
        )
    results.put((*clock.read(), peak_mb(), 0.0))


def make_previous_run(folder: str) -> dict[str, str]:
    """A run's previous version, made with the project's generator and a livetime table."""
    from pipelines.science import ft2, livetime, orbitgen
    from pipelines.science.magic7 import read_magic7

    magic7_path = str(Path(folder) / "run.magic7")
    orbitgen.write_magic7(magic7_path, START, START + RUN_SECONDS, seed=2)
    data = read_magic7(magic7_path)
    one = ft2.compute_ft2(data, START, START + RUN_SECONDS, ft2.Ft2Config()).columns
    table = Path(folder) / "live.csv"
    rows = zip(one["START"].tolist(), one["STOP"].tolist(), strict=True)
    table.write_text(
        "\n".join([livetime.HEADER, *(f"{a!r},{b!r},{0.9 * (b - a)!r}" for a, b in rows)]) + "\n"
    )
    paths = {"magic7": magic7_path}
    for bin_seconds, label in ((1.0, "1s"), (30.0, "30s")):
        paths[label] = str(Path(folder) / ft2.product_filename(bin_seconds, "p202", int(START), 1))
        config = ft2.Ft2Config(bin_seconds=bin_seconds, proc_ver=202, data_qual=1)
        ft2.make_ft2(
            data, START, START + RUN_SECONDS, config, paths[label], livetime=livetime.read_table(table)
        )
    return paths


def carry(paths: dict[str, str], folder: str, results) -> None:
    from pipelines.science import bti, carryforward
    from pipelines.science.magic7 import read_magic7

    intervals = [bti.BadTimeInterval(START + 600.0, START + 900.0, 0)]
    new = carryforward.NewVersion(2, "P310", 310, "new_1s.fit", "new_30s.fit")
    clock = Clock()
    data = read_magic7(paths["magic7"])
    outputs = Path(folder) / new.filename_1s, Path(folder) / new.filename_30s
    carryforward.carry_forward(paths["1s"], paths["30s"], data, intervals, new, *outputs)
    results.put((*clock.read(), peak_mb(), 0.0))


def carry_floor(paths: dict[str, str], folder: str, results) -> None:
    import pandas as pd
    from astropy.io import fits

    clock = Clock()
    pd.read_csv(paths["magic7"], sep=" ", header=None, names=list(range(13)))
    for label in ("1s", "30s"):
        with fits.open(paths[label], memmap=False) as hdul:
            hdul.writeto(Path(folder) / f"floor_{label}.fit", overwrite=True, checksum=True)
    results.put((*clock.read(), peak_mb(), 0.0))


def measure(target, *arguments) -> tuple[float, float, float, float]:
    """(wall s, CPU s, peak MB, field-line CPU s) of ``target`` in a fresh process."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=target, args=(*arguments, results))
    process.start()
    outcome = results.get()
    process.join()
    if process.exitcode != 0:
        raise SystemExit(f"{target.__name__} failed with exit code {process.exitcode}")
    return outcome


def best(runs: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    """The fastest round by wall clock (with its peak), and the least CPU of any round beside it."""
    fastest = min(runs, key=lambda run: run[0])
    least = min(runs, key=lambda run: run[1])
    return fastest[0], least[1], fastest[2], least[3]


def main() -> None:
    from astropy.io import fits

    from pipelines.science import ft2science, orbitgen

    with tempfile.TemporaryDirectory() as folder:
        magic7_path = str(Path(folder) / "day.magic7")
        orbitgen.write_magic7(magic7_path, START, START + DAY, seed=1)
        lines = Path(magic7_path).read_bytes().count(b"\n")
        print(f"input: {lines} magic7 lines, {Path(magic7_path).stat().st_size / 1e6:.1f} MB")
        sets = {
            name: best([measure(pipeline, magic7_path, folder, name) for _ in range(ROUNDS)])
            for name in ft2science.available()
        }
        rows = {}
        for product in sorted(Path(folder).glob(f"{GOAL_SET}_gll_*.fit")):
            with fits.open(product) as hdul:
                bin_seconds = 1.0 if "pt1s" in product.name else 30.0
                rows[bin_seconds] = len(hdul[1].data)
                print(
                    f"output: {product.name}: {rows[bin_seconds]} rows, {product.stat().st_size / 1e6:.1f} MB"
                )
        day_floor = best([measure(floor, magic7_path, folder, rows) for _ in range(ROUNDS)])
        paths = make_previous_run(folder)
        carried = best([measure(carry, paths, folder) for _ in range(ROUNDS)])
        carried_floor = best([measure(carry_floor, paths, folder) for _ in range(ROUNDS)])

    print(
        f"floor, one day (best of {ROUNDS})           : {day_floor[0]:.2f} s, {day_floor[1]:.2f} s CPU "
        "(pandas read + FITS write)"
    )
    for name, (seconds, cpu, peak, field_lines) in sets.items():
        print(
            f"make_ft2 one day, 1 s + 30 s, {name:<10} : {seconds:.2f} s warm, {cpu:.2f} s CPU, "
            f"peak {peak:.0f} MB, {seconds / day_floor[0]:.2f}x floor ({cpu / day_floor[1]:.2f}x in CPU), "
            f"field-line integrals {field_lines / cpu:.0%} of the CPU"
        )
    print(
        f"floor, one run (best of {ROUNDS})           : {carried_floor[0]:.2f} s, "
        f"{carried_floor[1]:.2f} s CPU (magic7 read + FITS copy)"
    )
    print(
        f"carry-forward one run, 1 s + 30 s        : {carried[0]:.2f} s, {carried[1]:.2f} s CPU, "
        f"peak {carried[2]:.0f} MB, {carried[0] / carried_floor[0]:.2f}x floor "
        f"({carried[1] / carried_floor[1]:.2f}x in CPU)"
    )
    for clock, index in (("wall clock", 0), ("CPU time", 1)):
        ratio = sets[GOAL_SET][index] / day_floor[index]
        verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
        print(f"goal {GOAL_SET} <= {GOAL_RATIO:g}x floor (warm), {clock:<10}: {verdict} ({ratio:.2f}x)")


if __name__ == "__main__":
    main()
