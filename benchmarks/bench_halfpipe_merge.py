"""Per-run event merging (issue goal: at least 60% of the floor's speed, peak memory at most 3x the
output size).

    .venv/bin/python benchmarks/bench_halfpipe_merge.py

Simulates 50 chunks holding 5,000,000 events (BENCH_MERGE_EVENTS) over several runs, with
retransmitted records between chunks, decoded into one sorted event file per chunk and run as the
workers write them. Then, each in a process of its own (so its peak memory is its own): the merge
(pipelines.science.eventmerge, blockwise) of every run's chunk files into one file per run; and the floor
of the same run: numpy concatenate + stable argsort (by TIME; EVENT_ID breaks ties) + astropy write
of the same rows (duplicates dropped). Prints both times, their ratio, and each peak memory (resident set
growth over the process's own start) against the output size. The outputs are compared row by row.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EVENTS = int(os.environ.get("BENCH_MERGE_EVENTS", 5_000_000))
CHUNKS = 50


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _peak_mb() -> float:
    # VmHWM, not ru_maxrss: Linux carries the parent's peak into ru_maxrss across fork and exec.
    return _status_mb("VmHWM")


def prepare(folder: Path) -> dict[int, list[str]]:
    """Chunk event files as the decoder writes them; {run: [file, ...]} in chunk order."""
    from pipelines.science import rawchunk
    from pipelines.science.chunkevents import split_by_run
    from pipelines.science.eventfile import write_ft1
    from pipelines.standins.downlinksim import Timeline, chunk_spans, simulate_events

    seconds = 50_000.0
    timeline = Timeline(
        downlinks=1,
        downlink_seconds=seconds,
        chunks=CHUNKS,
        run_seconds=11_000.0,
        event_rate=EVENTS / seconds,
        retransmit_seconds=5.0,
    )
    records = simulate_events(timeline, seed=5)
    runs = timeline.run_starts()
    files: dict[int, list[str]] = {}
    for number, (low, high) in enumerate(chunk_spans(timeline, 0), start=1):
        inside = records[(records["TIME"] >= low) & (records["TIME"] < high)]
        declared = [int(r) for r in runs if r < high]
        for part in split_by_run(rawchunk.to_ft1(inside), low, high, declared, f"chunk {number}"):
            path = folder / f"chunk{number:05d}-{part.run_id:08x}.fits"
            with open(path, "wb") as handle:
                write_ft1(handle, part.rows, part.coverage, {"DATE": "2023-04-01T00:00:00"})
            files.setdefault(part.run_id, []).append(str(path))
    return files


def merge(files: dict[str, list[str]], out: Path) -> dict:
    from pipelines.science.eventfile import open_event_file
    from pipelines.science.eventmerge import merge_event_files

    start_rss = _rss_mb()
    start = time.perf_counter()
    written = 0
    for run, paths in files.items():
        with open(out / f"merged-{run}.fits", "wb") as handle:
            counts = merge_event_files(
                [open_event_file(p) for p in paths], handle, {"DATE": "2023-04-01T00:00:00"}
            )
        written += counts.events
    return {"seconds": time.perf_counter() - start, "events": written, "grown_mb": _peak_mb() - start_rss}


def floor(files: dict[str, list[str]], out: Path) -> dict:
    import numpy as np
    from astropy.io import fits

    start_rss = _rss_mb()
    start = time.perf_counter()
    written = 0
    for run, paths in files.items():
        rows = np.concatenate([fits.getdata(p, "EVENTS") for p in paths])
        order = np.argsort(rows["TIME"], kind="stable")
        times, ids = rows["TIME"][order], rows["EVENT_ID"][order]
        if ((times[1:] == times[:-1]) & (ids[1:] < ids[:-1])).any():  # equal times: by EVENT_ID
            order = np.lexsort((rows["EVENT_ID"], rows["TIME"]))
        rows = rows[order]
        times, ids = rows["TIME"], rows["EVENT_ID"]
        keep = np.ones(len(rows), dtype=bool)
        keep[1:] = (times[1:] != times[:-1]) | (ids[1:] != ids[:-1])
        rows = rows[keep]
        fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU(rows, name="EVENTS")]).writeto(
            out / f"floor-{run}.fits", checksum=True
        )
        written += len(rows)
    return {"seconds": time.perf_counter() - start, "events": written, "grown_mb": _peak_mb() - start_rss}


def child(kind: str, listing: str, out: str) -> None:
    import numpy  # noqa: F401  (imported before the baseline is taken, as astropy is)
    from astropy.io import fits  # noqa: F401

    import pipelines.science.eventmerge  # noqa: F401

    files = json.loads(Path(listing).read_text())
    result = (merge if kind == "merge" else floor)(files, Path(out))
    print(json.dumps(result))


def _run_child(kind: str, listing: Path, out: Path) -> dict:
    command = [sys.executable, __file__, "--child", kind, str(listing), str(out)]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def _same_rows(out: Path, runs) -> bool:
    import numpy as np
    from astropy.io import fits

    for run in runs:
        merged = np.asarray(fits.getdata(out / f"merged-{run}.fits", "EVENTS"))
        floor_rows = np.asarray(fits.getdata(out / f"floor-{run}.fits", "EVENTS"))
        if merged.tobytes() != floor_rows.tobytes():
            return False
    return True


def main():
    with tempfile.TemporaryDirectory(prefix="bench_halfpipe_merge.") as folder:
        folder = Path(folder)
        chunks, out = folder / "chunks", folder / "out"
        chunks.mkdir()
        out.mkdir()
        start = time.perf_counter()
        files = prepare(chunks)
        listing = folder / "files.json"
        listing.write_text(json.dumps(files))
        inputs = sum(len(paths) for paths in files.values())
        print(f"prepared {EVENTS:,} events in {CHUNKS} chunks: {inputs} chunk files over {len(files)} runs "
              f"({time.perf_counter() - start:.1f} s)")  # fmt: skip
        merged = _run_child("merge", listing, out)
        floored = _run_child("floor", listing, out)
        output_mb = sum(p.stat().st_size for p in out.glob("merged-*.fits")) / 2**20
        same = _same_rows(out, files)
        ratio = floored["seconds"] / merged["seconds"]
        print(f"merge: {merged['events']:,} events written in {merged['seconds']:.2f} s "
              f"({merged['events'] / merged['seconds']:,.0f} events/s)")  # fmt: skip
        print(f"floor (concatenate + stable argsort + astropy write): {floored['seconds']:.2f} s")
        print(f"ratio floor/merge: {ratio:.2f} (goal >= 0.60) {'OK' if ratio >= 0.6 else 'BELOW GOAL'}")
        print(f"output: {output_mb:.0f} MB; peak memory growth: merge {merged['grown_mb']:.0f} MB "
              f"({merged['grown_mb'] / output_mb:.2f}x output, goal <= 3x "
              f"{'OK' if merged['grown_mb'] <= 3 * output_mb else 'ABOVE GOAL'}), "
              f"floor {floored['grown_mb']:.0f} MB ({floored['grown_mb'] / output_mb:.2f}x)")  # fmt: skip
        print(f"same rows as the floor: {same}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
    else:
        main()
