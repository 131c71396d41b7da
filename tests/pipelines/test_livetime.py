"""Livetime sources: the strict table layout (CSV and FITS), the previous FT2 file, a configured
command; bins outside the table or livetimes outside [0, STOP-START] are refused with the rows named."""

import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from pipelines.science import ft2, livetime, magic7, orbitgen

START = 545208791.0
STOP = START + 300.0


def write_csv(path, rows, header=livetime.HEADER):
    path.write_text("\n".join([header, *(",".join(repr(float(v)) for v in row) for row in rows)]) + "\n")
    return path


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("magic7") / "run.magic7"
    orbitgen.write_magic7(path, START, STOP, seed=12)
    return magic7.read_magic7(path)


@pytest.fixture(scope="module")
def bins(data):
    columns = ft2.compute_ft2(data, START, STOP, ft2.Ft2Config()).columns
    return columns["START"], columns["STOP"]


@pytest.fixture
def table(bins, tmp_path):
    start, stop = bins
    return write_csv(
        tmp_path / "r0545208791_livetime.csv", zip(start, stop, 0.9 * (stop - start), strict=True)
    )


def test_a_csv_table_gives_each_bin_its_row(table, bins):
    source = livetime.read_table(table)
    assert source.source == "table" and source.reference == table.name
    start, stop = bins
    np.testing.assert_array_equal(source.per_bin(start, stop), 0.9 * (stop - start))


def test_comment_lines_may_precede_the_header_and_fits_tables_read_the_same(table, bins, tmp_path):
    table.write_text("# written by the LAT livetime tool\n" + table.read_text())
    csv = livetime.read_table(table)
    path = tmp_path / "live.fits"
    columns = [
        fits.Column(name=n, format="D", array=getattr(csv, n.lower())) for n in ("START", "STOP", "LIVETIME")
    ]
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(columns, name="LIVETIME")]).writeto(path)
    np.testing.assert_array_equal(livetime.read_table(path).per_bin(*bins), csv.per_bin(*bins))


def test_bins_split_across_rows_get_their_share(tmp_path):
    source = livetime.read_table(write_csv(tmp_path / "t.csv", [(0, 10, 8), (10, 20, 10), (20, 30, 0)]))
    live = source.per_bin(np.array([0.0, 5.0, 15.0, 25.0]), np.array([5.0, 15.0, 25.0, 30.0]))
    np.testing.assert_allclose(live, [4.0, 4.0 + 5.0, 5.0, 0.0])


@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        ([(0, 1, 0.5)], "START,STOP", "first line after comments must be 'START,STOP,LIVETIME'"),
        ([(0, 1, 0.5), (1, 2)], livetime.HEADER, "1 lines are not three numbers: lines 3"),
        (
            [(0, 1, 0.5), (1, 2, 1.5)],
            livetime.HEADER,
            r"LIVETIME outside \[0, STOP-START\] in 1 rows: row 2 ",
        ),
        ([(0, 1, -0.1)], livetime.HEADER, "row 1 .*LIVETIME -0.1"),
        ([(0, 2, 1), (1, 3, 1)], livetime.HEADER, "overlaps or precedes the row before in rows 2"),
        ([(2, 1, 0.5)], livetime.HEADER, "STOP not after START in rows 1"),
        ([], livetime.HEADER, "has no rows"),
    ],
)
def test_tables_are_read_strictly(tmp_path, rows, header, message):
    path = tmp_path / "t.csv"
    path.write_text("\n".join([header, *(",".join(str(v) for v in row) for row in rows)]) + "\n")
    with pytest.raises(livetime.LivetimeError, match=message):
        livetime.read_table(path)


def test_bins_outside_the_table_are_refused_by_row(tmp_path):
    source = livetime.read_table(write_csv(tmp_path / "t.csv", [(0, 10, 8), (12, 20, 7)]))
    with pytest.raises(livetime.LivetimeError, match=r"does not cover 2 bins: row 2 \(9.5.*row 3 \(19"):
        source.per_bin(np.array([0.0, 9.5, 19.0]), np.array([9.5, 12.5, 21.0]))


def test_the_generator_takes_livetime_from_the_table_and_names_it(data, table, tmp_path):
    source = livetime.read_table(table)
    path = tmp_path / "out.fit"
    product = ft2.make_ft2(data, START, STOP, ft2.Ft2Config(bin_seconds=30.0), path, livetime=source)
    assert product.livetime_source == "table" and product.metadata["livetime_input"] == table.name
    assert product.comments == []
    with fits.open(path) as hdul:
        assert hdul[1].header["LIVETSRC"] == "table" and hdul[1].header["LIVETREF"] == table.name
        data_ = hdul[1].data
        np.testing.assert_allclose(data_["LIVETIME"], 0.9 * (data_["STOP"] - data_["START"]), rtol=1e-12)


def test_a_livetime_longer_than_its_bin_is_refused_naming_the_rows(data, bins, tmp_path):
    start, stop = bins
    live = stop - start
    live[[4, 9]] += 0.25
    path = write_csv(tmp_path / "t.csv", zip(start, stop, live, strict=True))
    with pytest.raises(
        livetime.LivetimeError, match=r"in 2 rows: row 5 \(START 545208794.6.*LIVETIME 1.25\), row 10 "
    ):
        livetime.read_table(path)
    # Values from any source are checked again against the bins they fill.
    with pytest.raises(livetime.LivetimeError, match=r"from the tool: LIVETIME outside .* in 2 rows: row 5 "):
        livetime.check_livetime(start, stop, live, "from the tool")


def test_the_previous_ft2_file_supplies_livetime_unless_it_had_none(data, table, tmp_path):
    previous = tmp_path / "previous.fit"
    ft2.make_ft2(data, START, STOP, ft2.Ft2Config(), previous, livetime=livetime.read_table(table))
    source = livetime.from_previous_ft2(previous)
    assert source.source == "previous-ft2" and source.reference == "previous.fit"
    product = ft2.compute_ft2(data, START, STOP, ft2.Ft2Config(bin_seconds=30.0, version=2), livetime=source)
    assert product.livetime_source == "previous-ft2" and (product.columns["LIVETIME"] > 0).all()
    without = tmp_path / "without.fit"
    ft2.make_ft2(data, START, STOP, ft2.Ft2Config(), without)
    with pytest.raises(livetime.LivetimeError, match="made without a livetime source"):
        livetime.from_previous_ft2(without)


SCRIPT = textwrap.dedent(
    """
    import sys
    run, start, stop, output = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    if run == "0":
        sys.exit("no digi data for run 0")
    records = [int(start) + 0.6 + k for k in range(int(stop - start) + 1)]
    edges = [start] + [t for t in records if t < stop] + [stop]
    with open(output, "w") as out:
        out.write("START,STOP,LIVETIME\\n")
        for a, b in zip(edges, edges[1:]):
            out.write(f"{a!r},{b!r},{0.8 * (b - a)!r}\\n")
    """
)


def test_a_configured_command_writes_the_table(data, bins, tmp_path):
    script = tmp_path / "lat_livetime.py"
    script.write_text(SCRIPT)
    command = f"{sys.executable} {script} {{run}} {{start}} {{stop}} {{output}}"
    source = livetime.run_command(command, tmp_path, START, STOP, run=545208791)
    assert source.source == "command" and source.reference == Path(sys.executable).name
    np.testing.assert_allclose(source.per_bin(*bins), 0.8 * (bins[1] - bins[0]), rtol=1e-12)
    with pytest.raises(livetime.LivetimeError, match="failed with exit code 1: no digi data for run 0"):
        livetime.run_command(command, tmp_path, START, STOP, run=0)
    with pytest.raises(livetime.LivetimeError, match="must name the table it writes"):
        livetime.run_command(f"{sys.executable} {script}", tmp_path, START, STOP)
    with pytest.raises(livetime.LivetimeError, match="is not installed"):
        livetime.run_command("no-such-livetime-tool {output}", tmp_path, START, STOP)
    with pytest.raises(livetime.LivetimeError, match="wrote no table"):
        livetime.run_command(f"{sys.executable} -c pass {{output}}", tmp_path / "empty", START, STOP)
