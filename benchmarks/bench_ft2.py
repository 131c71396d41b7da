"""Benchmark: one day of magic7 (about 518,000 lines) to a 1-s and a 30-s FT2 file.

Run as ``.venv/bin/python benchmarks/bench_ft2.py``. Each measurement runs in a fresh process,
imports excluded, so its peak memory is its own. The pipeline is timed twice: "warm", with the
IERS Earth-orientation table already loaded as in a long-lived worker, and "cold", including that
one-off load (about 1 s: astropy parses the IERS-A and IERS-B text tables). The floor is the same
work without the science: read the same text with the pandas C parser and write FITS tables of
the same columns and sizes with astropy. Goals (on the warm figure): at most 3 s wall, 1 GB peak
memory, and 2x the floor.
"""

from __future__ import annotations

import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

START = 545208791.0
DAY = 86400.0
ROUNDS = 5
GOAL_SECONDS = 3.0
GOAL_PEAK_MB = 1024.0
GOAL_RATIO = 2.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def pipeline(magic7_path: str, folder: str, warm: bool, results) -> None:
    from astropy.utils import iers

    from pipelines import ft2
    from pipelines.magic7 import read_magic7

    if warm:
        iers.earth_orientation_table.get()
    began = time.perf_counter()
    data = read_magic7(magic7_path)
    for bin_seconds in ft2.BIN_SIZES:
        config = ft2.Ft2Config(bin_seconds=bin_seconds)
        name = ft2.product_filename(bin_seconds, "p310", int(START), 1)
        ft2.make_ft2(data, START, START + DAY, config, Path(folder) / name)
    results.put((time.perf_counter() - began, peak_mb()))


def floor(magic7_path: str, folder: str, rows: dict[float, int], results) -> None:
    import numpy as np
    import pandas as pd
    from astropy.io import fits

    from pipelines import ft2

    table = ft2.load_ft2_template().table(ft2.EXTNAME)
    began = time.perf_counter()
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
    results.put((time.perf_counter() - began, peak_mb()))


def measure(target, *arguments) -> tuple[float, float]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=target, args=(*arguments, results))
    process.start()
    outcome = results.get()
    process.join()
    if process.exitcode != 0:
        raise SystemExit(f"{target.__name__} failed with exit code {process.exitcode}")
    return outcome


def main() -> None:
    from astropy.io import fits

    from pipelines import orbitgen

    with tempfile.TemporaryDirectory() as folder:
        magic7_path = str(Path(folder) / "day.magic7")
        orbitgen.write_magic7(magic7_path, START, START + DAY, seed=1)
        lines = Path(magic7_path).read_bytes().count(b"\n")
        print(f"input: {lines} magic7 lines, {Path(magic7_path).stat().st_size / 1e6:.1f} MB")

        cold_seconds, cold_peak = measure(pipeline, magic7_path, folder, False)
        pipeline_runs = [measure(pipeline, magic7_path, folder, True) for _ in range(ROUNDS)]
        rows = {}
        for product in sorted(Path(folder).glob("gll_*.fit")):
            with fits.open(product) as hdul:
                bin_seconds = 1.0 if "pt1s" in product.name else 30.0
                rows[bin_seconds] = len(hdul[1].data)
                size_mb = product.stat().st_size / 1e6
                print(f"output: {product.name}: {rows[bin_seconds]} rows, {size_mb:.1f} MB")
        floor_runs = [measure(floor, magic7_path, folder, rows) for _ in range(ROUNDS)]

    seconds = min(run[0] for run in pipeline_runs)
    peak = max(run[1] for run in pipeline_runs)
    floor_seconds = min(run[0] for run in floor_runs)
    ratio = seconds / floor_seconds

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print(f"pipeline warm (best of {ROUNDS}) : {seconds:.2f} s wall, peak {peak:.0f} MB")
    print(f"pipeline cold (with IERS load): {cold_seconds:.2f} s wall, peak {cold_peak:.0f} MB")
    print(
        f"floor (best of {ROUNDS})          : {floor_seconds:.2f} s wall (pandas read + astropy FITS write)"
    )
    print(f"ratio warm/floor              : {ratio:.2f}")
    print(f"ratio cold/floor              : {cold_seconds / floor_seconds:.2f}")
    cold = verdict(cold_seconds <= GOAL_SECONDS)
    print(f"goal <= {GOAL_SECONDS:g} s wall            : {verdict(seconds <= GOAL_SECONDS)} (cold: {cold})")
    print(f"goal <= {GOAL_PEAK_MB:g} MB peak        : {verdict(max(peak, cold_peak) <= GOAL_PEAK_MB)}")
    print(f"goal <= {GOAL_RATIO:g}x floor (warm)       : {verdict(ratio <= GOAL_RATIO)}")


if __name__ == "__main__":
    main()
