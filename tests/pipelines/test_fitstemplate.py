import warnings

import numpy as np
import pytest
from astropy.io import fits

from pipelines.science import fitstemplate, ft2

EXPECTED_COLUMNS = [
    ("START", "D", "s"),
    ("STOP", "D", "s"),
    ("SC_POSITION", "3E", "m"),
    ("LAT_GEO", "E", "deg"),
    ("LON_GEO", "E", "deg"),
    ("RAD_GEO", "D", "m"),
    ("RA_ZENITH", "E", "deg"),
    ("DEC_ZENITH", "E", "deg"),
    ("B_MCILWAIN", "E", "Gauss"),
    ("L_MCILWAIN", "E", "Earth_Radii"),
    ("GEOMAG_LAT", "E", "deg"),
    ("LAMBDA", "E", "deg"),
    ("IN_SAA", "L", None),
    ("RA_SCZ", "E", "deg"),
    ("DEC_SCZ", "E", "deg"),
    ("RA_SCX", "E", "deg"),
    ("DEC_SCX", "E", "deg"),
    ("RA_NPOLE", "E", "deg"),
    ("DEC_NPOLE", "E", "deg"),
    ("ROCK_ANGLE", "E", "deg"),
    ("LAT_MODE", "J", None),
    ("LAT_CONFIG", "B", None),
    ("DATA_QUAL", "I", None),
    ("LIVETIME", "D", "s"),
    ("QSJ_1", "D", None),
    ("QSJ_2", "D", None),
    ("QSJ_3", "D", None),
    ("QSJ_4", "D", None),
    ("RA_SUN", "E", "deg"),
    ("DEC_SUN", "E", "deg"),
    ("SC_VELOCITY", "3E", "m/s"),
]
COMMON_KEYWORDS = {
    "TELESCOP": "GLAST",
    "INSTRUME": "LAT",
    "EQUINOX": 2000.0,
    "RADECSYS": "FK5",
    "TIMESYS": "TT",
    "TIMEUNIT": "s",
    "MJDREFI": 51910,
    "MJDREFF": 7.428703703703703e-4,
}
REALISTIC_VALUES = {
    "DATE": "2026-11-21T17:00:00",
    "DATE-OBS": "2018-04-12T06:53:06.000",
    "DATE-END": "2018-04-13T06:53:06.000",
    "TSTART": 545208791.6,
    "TSTOP": 545295191.6,
    "FILENAME": "gll_pt1s_p310_r0545208791_v001.fit",
    "CREATOR": ft2.CREATOR,
    "VERSION": 1,
    "PROC_VER": 310,
    "FT2DEFS": "fermi-2019",
    "IGRF": "IGRF-12",
    "IGRFSHA": "c1b5de4aed37ea32",
    "NUMPYVER": "2.4.6",
    "NUMBAVER": "0.68.1",
    "ASTROVER": "7.2.3",
    "ERFAVER": "2.0.1.5 (ERFA 2.0.1)",
    "IERSVER": "0.2026.11.2.0.34.55",
    "LIVETSRC": "previous-ft2",
    "LIVETREF": "gll_pt1s_p202_r0545208791_v001.fit",
    "TELGAPS": 0,
}
WRITER_SUPPLIED = set(REALISTIC_VALUES)


@pytest.fixture(scope="module")
def template():
    return ft2.load_ft2_template()


def test_ft2_template_defines_the_issue_columns(template):
    table = template.table("SC_DATA")
    assert [(c.name, c.tform, c.unit) for c in table.columns] == EXPECTED_COLUMNS
    assert table.column("SC_VELOCITY").comment == "S/C velocity at START of interval"


def test_ft2_template_header_keywords(template):
    for hdu in (template.primary, template.table("SC_DATA")):
        values = {k.name: k.value for k in hdu.keywords}
        for name, value in COMMON_KEYWORDS.items():
            assert values[name] == value, name
        assert set(hdu.required) == WRITER_SUPPLIED
        assert values["ORIGIN"] == "LISOC"
    extension = {k.name: k.value for k in template.table("SC_DATA").keywords}
    assert extension["TIMEZERO"] == 0.0
    assert extension["TIMEREF"] == "LOCAL"
    assert extension["TASSIGN"] == "SATELLITE"
    assert extension["CLOCKAPP"] is False
    assert isinstance(extension["MJDREFI"], int)


def test_every_template_card_fits_without_truncation(template):
    table = template.table("SC_DATA")
    data = {c.name: c.empty(2) for c in table.columns}
    values = REALISTIC_VALUES
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hdu = fitstemplate.build_table_hdu(table, data, values)
        primary = fitstemplate.build_primary_hdu(template.primary, values)
        fits.HDUList([primary, hdu]).verify("exception")
        for card in [*hdu.header.cards, *primary.header.cards]:
            assert len(card.image) == 80
    assert hdu.header["TLMIN4"] == -90.0
    assert hdu.header["TLMAX4"] == 90.0
    assert (hdu.header["TLMIN5"], hdu.header["TLMAX5"]) == (0.0, 360.0)  # LON_GEO's limits as production's
    assert hdu.header["TUNIT31"] == "m/s"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'GLAST'", "GLAST"),
        ("'it''s'", "it's"),
        ("T", True),
        ("F", False),
        ("51910", 51910),
        ("51910.", 51910.0),
        ("7.428703703703703D-4", 7.428703703703703e-4),
        ("1.0D+10", 1e10),
        ("-90.0", -90.0),
        ("", None),
    ],
)
def test_parse_value(text, value):
    assert fitstemplate.parse_value(text) == value


def test_quoted_value_may_contain_a_slash(tmp_path):
    path = tmp_path / "t.tpl"
    path.write_text("SIMPLE = T / conforms\nORIGIN = 'a/b' / where\nEND\n")
    template = fitstemplate.load_template(path)
    assert template.primary.keywords[1] == fitstemplate.Keyword("ORIGIN", "a/b", "where", "'a/b'")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SIMPLE = T\n", "not closed by END"),
        ("SIMPLE = T\nnonsense\nEND\n", "not a KEYWORD = value card"),
        ("SIMPLE = T\nX = 'open\nEND\n", "unterminated"),
        ("XTENSION = 'BINTABLE'\nTTYPE2 = 'A'\nTFORM2 = 'D'\nEND\n", "column numbers"),
        ("XTENSION = 'BINTABLE'\nTTYPE1 = 'A'\nTFORM1 = '2Z'\nEND\n", "unsupported TFORM1"),
        ("", "no HDU"),
    ],
)
def test_malformed_templates_are_rejected(tmp_path, text, message):
    path = tmp_path / "bad.tpl"
    path.write_text(text)
    with pytest.raises(fitstemplate.TemplateError, match=message):
        fitstemplate.load_template(path)


def test_values_must_match_the_template(template):
    primary = template.primary
    complete = {name: 1 for name in WRITER_SUPPLIED}
    with pytest.raises(fitstemplate.TemplateError, match="not in the template"):
        fitstemplate.build_primary_hdu(primary, {**complete, "EXTRA": 1})
    with pytest.raises(fitstemplate.TemplateError, match=r"no value given.*FILENAME"):
        fitstemplate.build_primary_hdu(primary, {k: v for k, v in complete.items() if k != "FILENAME"})
    table = template.table("SC_DATA")
    data = {c.name: c.empty(1) for c in table.columns if c.name != "LIVETIME"}
    with pytest.raises(fitstemplate.TemplateError, match="missing \\['LIVETIME'\\]"):
        fitstemplate.build_table_hdu(table, data, complete)


def test_column_dtypes_follow_tform(template):
    table = template.table("SC_DATA")
    assert table.column("SC_POSITION").empty(3).shape == (3, 3)
    assert table.column("SC_POSITION").dtype is np.float32
    assert table.column("DATA_QUAL").dtype is np.int16
    assert table.column("LAT_CONFIG").dtype is np.uint8
    assert table.column("IN_SAA").dtype is np.bool_
