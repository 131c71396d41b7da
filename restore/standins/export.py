"""Stand-in for the site's ASDM export (asdmExportLight): ``python -m restore.standins.export UID DEST``.

Writes a small fake ASDM directory ``DEST/uid___A002_...`` whose content depends only on the uid, so
repeated exports are no-ops and checksums are stable in tests.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from l2portal.files import atomic_output
from restore.science.layout import disk_name

EB_UID = re.compile(r"uid://A[0-9]{3}/X[0-9a-fA-F]+/X[0-9a-fA-F]+")


def asdm_files(eb_uid: str) -> dict[str, str]:
    """The files of the fake ASDM: the ASDM.xml table index plus two tiny tables."""
    return {
        "ASDM.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<ASDM><Entity entityId="{eb_uid}" entityTypeName="ASDM"/>'
            "<Table><Name>Main</Name><NumberRows>1</NumberRows></Table>"
            "<Table><Name>ExecBlock</Name><NumberRows>1</NumberRows></Table></ASDM>\n"
        ),
        "Main.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<MainTable><row><execBlockId>{eb_uid}</execBlockId></row></MainTable>\n"
        ),
        "ExecBlock.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<ExecBlockTable><row><execBlockUID><EntityRef entityId="{eb_uid}"/></execBlockUID>'
            "</row></ExecBlockTable>\n"
        ),
    }


def export_asdm(eb_uid: str, destination: str | Path) -> Path:
    if not EB_UID.fullmatch(eb_uid):
        raise ValueError(f"{eb_uid!r} is not an ALMA EB uid (uid://A002/X.../X...)")
    asdm_dir = Path(destination) / disk_name(eb_uid)
    for name, text in asdm_files(eb_uid).items():
        with atomic_output(asdm_dir / name) as tmp:
            tmp.write_text(text, encoding="utf-8")
    return asdm_dir


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m restore.standins.export <EB uid> <destination directory>", file=sys.stderr)
        return 2
    try:
        asdm_dir = export_asdm(argv[0], argv[1])
    except (ValueError, OSError) as error:
        print(f"export failed: {error}", file=sys.stderr)
        return 1
    print(f"exported {argv[0]} to {asdm_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
