"""Previous (production) FT2 files of the test runs, as the mission's L1 made them before P310:
1-s and 30-s files named gll_pt1s_p202_r<run>_v001.fit, made from the run's registered magic7 with
a livetime table, without SC_VELOCITY (the column P310 adds), then registered by their names."""

from pathlib import Path

from astropy.io import fits

from l2portal.registry.services import absolute_path
from pipelines import services
from pipelines.models import DataRun
from pipelines.science import ft2, livetime, orbitgen
from pipelines.science.magic7 import read_magic7
from tests.factories import SYSTEM

PRODUCTION_KEYWORDS = ("FT2DEFS", "IGRF", "IGRFSHA", "NUMPYVER", "NUMBAVER", "ASTROVER", "ERFAVER", "IERSVER")


def write_previous_ft2(folder: Path, run_id: int, start_30s_late: float = 0.0, with_livetime: bool = True):
    """The run's two production files in ``folder``; ``start_30s_late`` makes a 30-s file whose bins
    do not start where the 1-s file's do (a broken pair)."""
    magic7 = services.latest_magic7(DataRun.objects.get(run_id=run_id))
    data = read_magic7(absolute_path(magic7.product))
    start, stop = magic7.met_start, magic7.met_stop
    table = folder / f"table_{run_id}.csv"
    orbitgen.write_livetime_table(table, start, stop, fraction=0.93)
    source = livetime.read_table(table) if with_livetime else None
    paths = {}
    for bin_seconds, label, late in ((1.0, "1s", 0.0), (30.0, "30s", start_30s_late)):
        paths[label] = folder / ft2.product_filename(bin_seconds, "p202", run_id, 1)
        config = ft2.Ft2Config(bin_seconds=bin_seconds, proc_ver=202, data_qual=1, definitions="fermi-2014")
        ft2.make_ft2(data, start + late, stop, config, paths[label], livetime=source)
        _as_production(paths[label])
    table.unlink()
    return paths


def _as_production(path: Path) -> None:
    """Without SC_VELOCITY and without the portal's provenance cards, as P202 files are."""
    with fits.open(path) as hdul:
        table = hdul["SC_DATA"]
        columns = [c for c in table.columns if c.name != "SC_VELOCITY"]
        header = table.header.copy()
        for key in PRODUCTION_KEYWORDS:
            for hdu_header in (header, hdul[0].header):
                hdu_header.remove(key, ignore_missing=True)
        new = fits.BinTableHDU.from_columns(columns, header=header)
        primary = fits.PrimaryHDU(header=hdul[0].header)
        fits.HDUList([primary, new]).writeto(path, overwrite=True, checksum=True)


def register_production(folder: Path, runs, **options):
    """Write and register the runs' production files; returns {run: paths}."""
    folder = folder / "production"
    folder.mkdir()
    made = {run: write_previous_ft2(folder, run, **options) for run in runs}
    services.register_tree(folder, SYSTEM)
    return made
