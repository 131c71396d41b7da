"""Staging from NGAS: ``.venv/bin/python benchmarks/bench_restore_ngas.py [--size-mb 300] [--dir DIR]``.

The product store client fetches a file from the project's NGAS server over local HTTP (STATUS, then
RETRIEVE streamed to disk with its CRC and the portal's sha256 computed on the way, then verified),
once per CRC variant. The floor, measured in the same run: the same RETRIEVE read with requests and
written to disk with no checksum at all. The fetch must keep at least half the floor's throughput.

Exits non-zero when a limit is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

from restore.science.productstore import ProductStore
from restore.standins.ngas_server import NgasArchive, NgasServer

MIN_RATIO = 0.5
BLOCK = 4 * 1024 * 1024
NAME = "member.uid___A001_X12a3_X80e.bench.caltables.tgz"


def plain_retrieve(url: str, target: Path) -> None:
    with requests.get(f"{url}/RETRIEVE", params={"file_id": NAME}, stream=True, timeout=60) as response:
        response.raise_for_status()
        with open(target, "wb") as writer:
            for block in response.iter_content(256 * 1024):
                writer.write(block)


def median_seconds(function, repeats: int = 3) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=300, help="size of the file fetched")
    parser.add_argument("--dir", default=None, help="directory for the files (default: temp dir)")
    arguments = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(dir=arguments.dir, prefix="bench_restore_ngas.") as work:
        source = Path(work) / NAME
        with open(source, "wb") as handle:
            block = os.urandom(BLOCK)
            for _ in range(arguments.size_mb * 1024 * 1024 // BLOCK):
                handle.write(block)
        size_mb = source.stat().st_size / 1e6
        target = Path(work) / "fetched"
        for variant in ("crc32c", "crc32"):
            with NgasServer(NgasArchive({NAME: source}, variant)) as server:
                store = ProductStore(server.base_url)
                store.status(NAME)  # NGAS holds its CRCs: computed once, when the file was archived
                floor = median_seconds(lambda url=server.base_url: plain_retrieve(url, target))
                figure = median_seconds(lambda store=store: store.fetch(NAME, target))
            ratio = floor / figure
            passed = ratio >= MIN_RATIO
            ok = ok and passed
            print(
                f"NGAS fetch, {variant} + sha256 verified, {size_mb:.0f} MB: {size_mb / figure:.0f} MB/s; "
                f"floor (plain RETRIEVE to disk): {size_mb / floor:.0f} MB/s; ratio {ratio:.2f} "
                f"(minimum {MIN_RATIO}) {'OK' if passed else 'TOO SLOW'}"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
