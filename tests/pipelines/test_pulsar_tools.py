"""The pulsar tools read the portal's files (seeds/000 step 5.5, "Test with Pulsar Tools"): PINT, the
pulsar timing package, takes a portal-made FT2 as the Fermi satellite observatory (the positions it
interpolates at sample times equal the files' SC_POSITION to 1 m, its velocities SC_VELOCITY to
0.1 m/s) and reads a data run's merged and Level-1 event files with its Fermi event reader, every
event's time the file's.

Without the network: astropy neither downloads IERS tables nor anything else (``allow_internet``
off, sockets refused while PINT runs). Three pieces of PINT would otherwise go to the network, and
are left out here as they change no time read from a file: the GPS-to-UTC clock file of the Fermi
observatory (``apply_gps2utc``, from the IPTA clock repository on GitHub), TT(BIPM) (its clock file,
the same repository) and the JPL ephemeris DE421 (``ephem="builtin"``: ERFA's Earth, enough to
compute the barycentric columns PINT adds)."""

import contextlib
import socket

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.time import Time
from astropy.utils import iers
from astropy.utils.data import conf as data_conf

from l2portal.registry.services import absolute_path
from pipelines.models import DataRun
from pipelines.science import ft2, orbitgen
from pipelines.science.magic7 import read_magic7
from tests.pipelines.halfpipe import TIMELINE, ingest, register_magic7_for, simulate

satellite_obs = pytest.importorskip(
    "pint.observatory.satellite_obs", reason="PINT (pint-pulsar) is a dev extra"
)
fermi_toas = pytest.importorskip("pint.fermi_toas")

MJDREF = Time(51910, 7.428703703703703e-4, format="mjd", scale="tt")  # MET 0
START = 545208791.0


def _refused(*args, **kwargs):
    raise OSError("no network in this test: PINT and astropy must work offline")


@contextlib.contextmanager
def offline():
    with (
        pytest.MonkeyPatch.context() as patch,
        iers.conf.set_temp("auto_download", False),
        data_conf.set_temp("allow_internet", False),
    ):
        patch.setattr(socket.socket, "connect", _refused)
        patch.setattr(socket, "create_connection", _refused)
        yield


def fermi_observatory(ft2_path):
    """The Fermi observatory on this FT2 file, as PINT's users register it (no GPS clock file)."""
    return satellite_obs.get_satellite_observatory(
        "Fermi", str(ft2_path), overwrite=True, apply_gps2utc=False
    )


def met_tt(met) -> Time:
    return MJDREF + np.asarray(met, dtype=float) * u.s


@pytest.fixture(scope="module")
def ft2_pair(tmp_path_factory):
    """A portal-made 1-s and 30-s FT2 pair over 20 minutes of simulated telemetry."""
    folder = tmp_path_factory.mktemp("ft2")
    orbitgen.write_magic7(folder / "magic7.txt", START - 100, START + 1300, seed=5)
    config = ft2.Ft2Config()
    pair = ft2.compute_ft2_pair(read_magic7(folder / "magic7.txt"), START, START + 1200, config)
    paths = {}
    for product, bin_seconds in zip(pair, (1.0, 30.0), strict=True):
        paths[bin_seconds] = folder / ft2.product_filename(bin_seconds, "p310", int(START), 1)
        ft2.write_ft2(product, paths[bin_seconds], config, paths[bin_seconds].name)
    return paths


def sc_data(path) -> dict:
    with fits.open(path) as hdul:
        data = hdul["SC_DATA"].data
        return {name: np.array(data[name], dtype=float) for name in ("START", "SC_POSITION", "SC_VELOCITY")}


def test_pint_interpolates_the_spacecraft_where_the_ft2_says(ft2_pair):
    one, thirty = sc_data(ft2_pair[1.0]), sc_data(ft2_pair[30.0])
    with offline():
        observatory = fermi_observatory(ft2_pair[30.0])
        # Between the 30-s rows, at every 1-s row: PINT's spline against the portal's 1-s state.
        inside = (one["START"] > thirty["START"][0]) & (one["START"] < thirty["START"][-1])
        between = observatory.posvel_gcrs(met_tt(one["START"][inside]))
        at_rows = observatory.posvel_gcrs(met_tt(thirty["START"]))
    assert inside.sum() > 1000
    assert np.abs(between.pos.to_value(u.m).T - one["SC_POSITION"][inside]).max() < 1.0
    assert np.abs(between.vel.to_value(u.m / u.s).T - one["SC_VELOCITY"][inside]).max() < 0.1
    assert np.abs(at_rows.pos.to_value(u.m).T - thirty["SC_POSITION"]).max() < 1.0
    assert np.abs(at_rows.vel.to_value(u.m / u.s).T - thirty["SC_VELOCITY"]).max() < 0.1


@pytest.mark.django_db
def test_pint_reads_every_event_time_of_a_merged_and_a_level1_file(
    tmp_path, django_capture_on_commit_callbacks
):
    register_magic7_for(tmp_path=tmp_path)
    ingest(simulate()[0], django_capture_on_commit_callbacks)
    run = DataRun.objects.get(run_id=int(TIMELINE.start))
    version = run.versions.get(version=1)
    ft2_30s = absolute_path(version.level1_ft2_30s)
    read = {}
    for label, product in (("merged", version.product), ("level 1", version.level1_ft1)):
        path = absolute_path(product)
        times = np.array(fits.getdata(path, "EVENTS")["TIME"], dtype=float)
        with offline():
            fermi_observatory(ft2_30s)
            toas = fermi_toas.get_Fermi_TOAs(str(path), ephem="builtin", include_bipm=False, planets=False)
        order = np.argsort(toas.table["index"])
        read_met = (Time(list(toas.table["mjd"][order])) - MJDREF).to_value(u.s)
        assert toas.ntoas == len(times) == version.events, label
        assert np.abs(read_met - times).max() < 1e-7, label  # 100 ns: PINT keeps two doubles per time
        assert set(toas.table["obs"]) == {"fermi"}, label
        assert set(toas.get_flag_value("clkcorr")[0]) == {None}, label  # no clock correction applied
        read[label] = read_met
    assert np.array_equal(read["merged"], read["level 1"])
