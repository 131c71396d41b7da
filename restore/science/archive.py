"""ALMA archive metadata for MOUS restores: parameterised SQL over any DB-API connection.

Every query uses the ALMA archive's own table and column names (ARCHIVE_QUERIES.md beside this module lists
each query with its binds and where each name was read) and named parameters (``:mous``), which
both sqlite3 and oracledb accept, so the same SQL runs against the demo archive and the real ALMA
Oracle database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from restore.science.layout import safe_component
from restore.science.sessions import AquaExecBlock, OusStatus, archive_time, parse_ous_status

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEMO_ARCHIVE_SQL = DATA_DIR / "demo_archive.sql"
DEMO_PRODUCTS_DIR = DATA_DIR / "demo_products"

# States in which an SB can no longer be the one whose EBs we restore.
DEAD_SB_STATES = frozenset({"Canceled", "Deleted", "Broken"})


class ArchiveError(RuntimeError):
    """The archive cannot be reached or does not hold what a restore needs."""


def connect(url: str | None) -> Any:
    """A DB-API connection to the archive named by ``url``.

    ``None`` or ``""``: the demo archive, an in-memory SQLite built from demo_archive.sql.
    ``sqlite:///path``: a SQLite file, opened read-only. ``oracle://user:password@host:port/service``:
    the ALMA Oracle archive through the optional ``oracledb`` driver.
    """
    if not url:
        connection = sqlite3.connect(":memory:")
        connection.executescript(DEMO_ARCHIVE_SQL.read_text(encoding="utf-8"))
        return connection
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_file():
            raise ArchiveError(f"SQLite archive {path} does not exist")
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    if url.startswith("oracle://"):
        return _connect_oracle(url)
    raise ArchiveError(f"unsupported archive URL {url!r}: use '', sqlite:///path or oracle://...")


def _connect_oracle(url: str) -> Any:
    try:
        import oracledb  # optional: only sites that query the real ALMA archive install it
    except ImportError as error:
        raise ArchiveError(
            "the archive URL is oracle://, but the Oracle driver is not installed: "
            "install it with `pip install oracledb` (thin mode, no Oracle client needed)"
        ) from error
    parts = urlsplit(url)
    if not (parts.hostname and parts.path.strip("/")):
        raise ArchiveError("oracle URL must look like oracle://user:password@host:port/service")
    dsn = f"{parts.hostname}:{parts.port or 1521}/{parts.path.strip('/')}"
    return oracledb.connect(
        user=unquote(parts.username or ""), password=unquote(parts.password or ""), dsn=dsn
    )


def _rows(connection: Any, sql: str, parameters: dict[str, Any]) -> list[tuple]:
    cursor = connection.cursor()
    try:
        cursor.execute(sql, parameters)
        return [tuple(_plain(value) for value in row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def _plain(value: Any) -> Any:
    # Oracle returns CLOB columns (the OUSStatus XML) as LOB objects.
    return value.read() if hasattr(value, "read") else value


# The queries, by name: ARCHIVE_QUERIES.md shows each one, for the DBA who grants access.
QUERIES = {
    "mous_ebs": (
        "SELECT DISTINCT ASDM_UID FROM ASA_SCIENCE WHERE MEMBER_OUSS_ID = :mous AND ASDM_UID IS NOT NULL "
        "ORDER BY ASDM_UID"
    ),
    "calibration_files": (
        "SELECT COUNT(*) FROM ASA_PRODUCT_FILES WHERE ASA_OUS_ID = :mous AND FILE_CLASS = 'calibration'"
    ),
    "manual_calibration_scripts": (
        "SELECT NGAS_FILE_ID FROM ASA_PRODUCT_FILES WHERE ASA_OUS_ID = :mous AND FILE_CLASS = 'script' "
        "AND NGAS_FILE_ID LIKE '%scriptFor%Cal%' ORDER BY NGAS_FILE_ID"
    ),
    "project": (
        "SELECT DISTINCT s.PROJECT_CODE, p.TITLE FROM ASA_SCIENCE s "
        "LEFT JOIN ASA_PROJECT p ON p.CODE = s.PROJECT_CODE WHERE s.MEMBER_OUSS_ID = :mous"
    ),
    "ous_status": (
        "SELECT OBS_PROJECT_ID, DOMAIN_ENTITY_ID, OBS_PROJECT_STATUS_ID, PARENT_OBS_UNIT_SET_STATUS_ID, XML "
        "FROM OBS_UNIT_SET_STATUS WHERE STATUS_ENTITY_ID = :ous"
    ),
    "sched_blocks": (
        "SELECT DOMAIN_ENTITY_ID, STATUS_ENTITY_ID, DOMAIN_ENTITY_STATE FROM SCHED_BLOCK_STATUS "
        "WHERE PARENT_OBS_UNIT_SET_STATUS_ID = :mous ORDER BY DOMAIN_ENTITY_ID"
    ),
    # One bind per EB: :eb0, :eb1, ...
    "aqua_execblocks": (
        "SELECT EXECBLOCKUID, SCHEDBLOCKUID, QA0STATUS, STARTTIME, ENDTIME FROM AQUA_EXECBLOCK "
        "WHERE EXECBLOCKUID IN ({ebs}) ORDER BY STARTTIME, EXECBLOCKUID"
    ),
    "product_files": (
        "SELECT NGAS_FILE_ID, FILE_CLASS, STORED_SIZE FROM ASA_PRODUCT_FILES WHERE ASA_OUS_ID = :mous "
        "ORDER BY NGAS_FILE_ID"
    ),
}


def query(connection: Any, name: str, **binds: Any) -> list[tuple]:
    return _rows(connection, QUERIES[name], binds)


@dataclass(frozen=True)
class RestoreVerdict:
    restorable: bool
    reason: str


def can_restore(connection: Any, mous_uid: str) -> RestoreVerdict:
    """Whether the MOUS was calibrated by the pipeline, so a pipeline restore makes sense."""
    if not query(connection, "mous_ebs", mous=mous_uid):
        return RestoreVerdict(False, f"{mous_uid} has no EBs in ASA_SCIENCE (unknown MOUS?)")
    ((calibration_files,),) = query(connection, "calibration_files", mous=mous_uid)
    if not calibration_files:
        return RestoreVerdict(False, f"{mous_uid} has no calibration products: it was never calibrated")
    manual_scripts = query(connection, "manual_calibration_scripts", mous=mous_uid)
    if manual_scripts:
        return RestoreVerdict(
            False,
            f"{mous_uid} was calibrated manually ({manual_scripts[0][0]}); the pipeline cannot restore it",
        )
    return RestoreVerdict(True, f"{mous_uid} has {calibration_files} pipeline calibration product(s)")


@dataclass(frozen=True)
class ProductFile:
    ngas_file_id: str
    file_class: str
    stored_size: int | None = None  # bytes, as the archive recorded them


@dataclass(frozen=True)
class MousMetadata:
    mous_uid: str
    project_code: str
    project_title: str
    obs_project_uid: str
    obs_project_part_id: str
    project_status_uid: str
    gous_uid: str
    sous_uid: str
    sched_block_uid: str
    sb_status_uid: str
    ous_status: OusStatus
    execblocks: tuple[str, ...]  # ASA_SCIENCE.ASDM_UID
    aqua: tuple[AquaExecBlock, ...]
    product_files: tuple[ProductFile, ...]


def _one(rows: list[tuple], what: str) -> tuple:
    if len(rows) != 1:
        raise ArchiveError(f"expected exactly one {what}, the archive has {len(rows)}: {rows}")
    return rows[0]


def choose_sched_block(candidates: Sequence[tuple[str, str, str]]) -> tuple[str, str]:
    """(SB uid, SB status uid) from (SB uid, SB status uid, DOMAIN_ENTITY_STATE) candidates.

    An MOUS normally has one SB; if it has several, the SB states decide.
    """
    live = [candidate for candidate in candidates if candidate[2] not in DEAD_SB_STATES]
    if len(live) != 1:
        raise ArchiveError(
            f"cannot choose the SchedBlock: candidates (uid, status, state) are {list(candidates)}"
        )
    return live[0][0], live[0][1]


def fetch_mous_metadata(connection: Any, mous_uid: str) -> MousMetadata:
    project_code, project_title = _one(query(connection, "project", mous=mous_uid), f"project for {mous_uid}")
    execblocks = tuple(row[0] for row in query(connection, "mous_ebs", mous=mous_uid))
    obs_project_uid, part_id, project_status_uid, gous_uid, ous_status_xml = _one(
        query(connection, "ous_status", ous=mous_uid), f"OBS_UNIT_SET_STATUS row for {mous_uid}"
    )
    sous_uid = _one(query(connection, "ous_status", ous=gous_uid), f"OBS_UNIT_SET_STATUS row for {gous_uid}")[
        3
    ]
    if not (gous_uid and sous_uid):
        raise ArchiveError(f"{mous_uid} has no GOUS/SOUS parents in OBS_UNIT_SET_STATUS")
    if not ous_status_xml:
        raise ArchiveError(f"{mous_uid} has no OUSStatus XML")
    ous_status = parse_ous_status(ous_status_xml)
    sched_block_uid, sb_status_uid = choose_sched_block(query(connection, "sched_blocks", mous=mous_uid))
    session_ebs = [eb for session in ous_status.sessions for eb in session]
    return MousMetadata(
        mous_uid=mous_uid,
        project_code=project_code,
        project_title=project_title or "Undefined",
        obs_project_uid=obs_project_uid,
        obs_project_part_id=part_id,
        project_status_uid=project_status_uid,
        gous_uid=gous_uid,
        sous_uid=sous_uid,
        sched_block_uid=sched_block_uid,
        sb_status_uid=sb_status_uid,
        ous_status=ous_status,
        execblocks=execblocks,
        aqua=tuple(aqua_execblocks(connection, dict.fromkeys([*execblocks, *session_ebs]))),
        product_files=tuple(
            ProductFile(name, file_class, None if size is None else int(size))
            for name, file_class, size in query(connection, "product_files", mous=mous_uid)
        ),
    )


def aqua_execblocks(connection: Any, eb_uids: Iterable[str]) -> list[AquaExecBlock]:
    """AQUA_EXECBLOCK rows of the EBs, in the order they ran."""
    binds = {f"eb{index}": uid for index, uid in enumerate(eb_uids)}
    if not binds:
        return []
    sql = QUERIES["aqua_execblocks"].format(ebs=", ".join(f":{name}" for name in binds))
    return [
        AquaExecBlock(eb, sb, qa0 or "Unset", archive_time(start), archive_time(end))
        for eb, sb, qa0, start, end in _rows(connection, sql, binds)
    ]


def product_file_named(product_files: Iterable[ProductFile], suffix: str, prefer: str = "") -> str | None:
    """The NGAS file id ending in ``suffix``; among several, the first containing ``prefer``.

    restoredata picks ``*cal*pipeline_manifest.xml`` when a delivery holds several manifests.
    """
    matches = sorted(
        product.ngas_file_id for product in product_files if product.ngas_file_id.endswith(suffix)
    )
    preferred = [name for name in matches if prefer and prefer in name]
    return (preferred or matches or [None])[0]


def read_product(store_dir: str | Path, ngas_file_id: str) -> bytes:
    """The bytes of one product file from an NGAS-like directory store (one file per NGAS file id)."""
    return (Path(store_dir) / safe_component(ngas_file_id, "NGAS file id")).read_bytes()
