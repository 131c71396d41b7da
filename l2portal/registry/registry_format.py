"""The registry exchange document: what one site exports and another imports (the LSST Gen3 Butler notes:
"export and import ... with no id modification"; the LSST Butler's export YAML). Pure Python, no Django.

A document is JSON: ``format``, ``version`` (major.minor.patch), ``selection`` (the collections asked
for, or null for every one) and sorted records: ``instruments``, ``collections``, ``products``,
``executions``, ``tags`` (current members of TAGGED collections), ``tag_changes`` and ``events``.
Records refer to each other by UUID (products, executions, tag changes, events) or by name
(instruments, collections). An instrument record is its definition only (every site registers the
portal's own instruments itself). The same registry always gives the same bytes (``dumps``).

As the Butler does, a reader refuses a document of another major version or of a newer minor
version than it knows; it reads older minor versions of its major one."""

from __future__ import annotations

import json
import re
from datetime import datetime

from l2portal.jsonsafe import MAX_DEPTH, depth_of, has_nul

FORMAT = "l2portal-registry"
VERSION = (1, 0, 0)
DOCUMENT_NAME = "registry.json"  # inside an export with files (a tarball)
FILES_FOLDER = "files/"  # the product files inside the tarball, at their paths under the data root
SECTIONS = ("instruments", "collections", "products", "executions", "tags", "tag_changes", "events")
SHA256 = re.compile(r"[0-9a-f]{64}")
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
VERSION_TEXT = re.compile(r"(\d+)\.(\d+)\.(\d+)")
MAX_PROBLEMS = 50

TEXT, NUMBER, FLAG, MAPPING, LIST = str, int, bool, dict, list
TIME = "time"  # an ISO 8601 text
UUID = "uuid"
OPTIONAL = type(None)

# field -> accepted kinds, per section
FIELDS = {
    "instruments": {
        "name": (TEXT,),
        "full_name": (TEXT,),
        "observatory": (TEXT,),
        "dimensions": (LIST,),
        "description": (TEXT,),
        "uuid": (UUID,),
        "site": (TEXT,),
    },
    "collections": {
        "name": (TEXT,),
        "kind": (TEXT,),
        "description": (TEXT,),
        "children": (LIST,),
        "uuid": (UUID,),
        "site": (TEXT,),
        "host": (TEXT,),
        "began_at": (TIME, OPTIONAL),
        "ended_at": (TIME, OPTIONAL),
        "software": (MAPPING,),
        "expires_at": (TIME, OPTIONAL),
        "created_at": (TIME,),
    },
    "products": {
        "uuid": (UUID,),
        "site": (TEXT,),
        "run": (TEXT,),
        "path": (TEXT,),
        "product_type": (TEXT,),
        "size": (NUMBER,),
        "sha256": (TEXT,),
        "status": (TEXT,),
        "created_at": (TIME,),
        "purged_at": (TIME, OPTIONAL),
        "purge_reason": (TEXT,),
        "metadata": (MAPPING,),
        "instrument": (TEXT, OPTIONAL),
        "data_id": (MAPPING,),
        "data_key": (TEXT,),
        "version": (NUMBER,),
        "current": (FLAG,),
        "replaces": (UUID, OPTIONAL),
        "produced_by": (UUID, OPTIONAL),
    },
    "executions": {
        "uuid": (UUID,),
        "site": (TEXT,),
        "task_name": (TEXT,),
        "task_id": (TEXT,),
        "parameters": (MAPPING,),
        "inputs": (LIST,),
        "software": (MAPPING,),
        "host": (TEXT,),
        "pid": (NUMBER, OPTIONAL),
        "worker": (TEXT,),
        "status": (TEXT,),
        "started_at": (TIME,),
        "finished_at": (TIME, OPTIONAL),
        "error": (TEXT,),
        "log_tail": (TEXT,),
    },
    "tags": {"collection": (TEXT,), "product": (UUID,), "added_at": (TIME,)},
    "tag_changes": {
        "uuid": (UUID,),
        "site": (TEXT,),
        "collection": (TEXT,),
        "product": (UUID,),
        "action": (TEXT,),
        "at": (TIME,),
        "actor": (TEXT,),
        "reason": (TEXT,),
    },
    "events": {
        "uuid": (UUID,),
        "site": (TEXT,),
        "at": (TIME,),
        "kind": (TEXT,),
        "subject_kind": (TEXT, OPTIONAL),
        "subject": (TEXT, OPTIONAL),
        "actor": (TEXT,),
        "message": (TEXT,),
        "details": (MAPPING,),
    },
}
CHOICES = {
    ("collections", "kind"): {"run", "tagged", "chained"},
    ("products", "status"): {"present", "purged"},
    ("executions", "status"): {"running", "succeeded", "failed", "retried", "lost"},
    ("tag_changes", "action"): {"added", "removed"},
    ("events", "subject_kind"): {"instrument", "collection", "product", "execution", None},
}


def version_text(version: tuple[int, int, int] = VERSION) -> str:
    return ".".join(str(part) for part in version)


def dumps(document: dict) -> bytes:
    """The document as bytes, the same for the same registry: keys sorted, one record per line."""

    def one(value) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    keys = sorted(document)
    lines = ["{"]
    for n, key in enumerate(keys):
        value, end = document[key], "," if n < len(keys) - 1 else ""
        if isinstance(value, list) and value:
            lines += [f" {one(key)}: [", ",\n".join(f"  {one(item)}" for item in value), f" ]{end}"]
        else:
            lines.append(f" {one(key)}: {one(value)}{end}")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode()


def version_problem(document: dict) -> str | None:
    """Why this reader cannot read ``document``'s version, or None."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        return f"not an l2portal registry export (format {found!r}, want {FORMAT!r})"
    text = document.get("version")
    match = VERSION_TEXT.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return f"version {text!r} is not major.minor.patch"
    major, minor, _ = (int(part) for part in match.groups())
    if major != VERSION[0] or minor > VERSION[1]:
        return (
            f"export format version {text} cannot be read here ({VERSION[0]}.x.x up to "
            f"{version_text()} required); import it with a portal of that version"
        )
    return None


def _is_time(value) -> bool:
    """An ISO 8601 text with its time zone."""
    if type(value) is not str:
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _is_uuid(value) -> bool:
    """A UUID as exports write them (lower case, with hyphens): the same id is the same text."""
    return type(value) is str and UUID_TEXT.fullmatch(value) is not None


def _check(section: str, name: str, kinds: tuple) -> tuple:
    """How one field is checked: its exact Python types (so a flag is not a number), the special
    check of a time or a UUID if it may be one, the values it may take."""
    exact = frozenset(kind for kind in kinds if isinstance(kind, type))
    special = next(({TIME: _is_time, UUID: _is_uuid}[kind] for kind in kinds if kind in (TIME, UUID)), None)
    return name, exact, special, CHOICES.get((section, name))


CHECKS = {
    section: [_check(section, name, kinds) for name, kinds in fields.items()]
    for section, fields in FIELDS.items()
}


# Numbers a column holds: sizes in a BIGINT, every other number (versions, process ids) an INTEGER.
NUMBER_RANGES = {("products", "size"): (0, 2**63 - 1)}
INTEGER_RANGE = (0, 2**31 - 1)


def structure_problems(document: dict) -> list[str]:
    """Every record has every field of its section, of the right kind and within what its column
    holds, and nothing else; UUIDs and names are unique within their section; nothing nested too
    deep, no NUL character anywhere."""
    if depth_of(document) > MAX_DEPTH:
        return [f"the document is nested deeper than {MAX_DEPTH} levels"]
    problems = [] if not has_nul(document) else ["a text holds a NUL character"]
    for section in SECTIONS:
        records = document.get(section)
        if not isinstance(records, list):
            problems.append(f"{section}: missing, or not a list")
            continue
        fields, checks, names = FIELDS[section], CHECKS[section], set(FIELDS[section])
        for n, record in enumerate(records):
            where = f"{section}[{n}]"
            if not isinstance(record, dict):
                problems.append(f"{where}: not an object")
                continue
            if record.keys() != names:
                missing, extra = sorted(names - set(record)), sorted(set(record) - names)
                problems.append(f"{where}: fields missing {missing}, unknown {extra}")
                continue
            for name, exact, special, allowed in checks:
                value = record[name]
                if type(value) not in exact and (special is None or not special(value)):
                    problems.append(
                        f"{where}.{name}: {value!r} is not {' or '.join(map(_label, fields[name]))}"
                    )
                if type(value) is int:
                    low, high = NUMBER_RANGES.get((section, name), INTEGER_RANGE)
                    if not low <= value <= high:
                        problems.append(f"{where}.{name}: {value} is not between {low} and {high}")
                if allowed is not None and value not in allowed:
                    problems.append(f"{where}.{name}: {value!r} is not one of {sorted(map(str, allowed))}")
        problems.extend(_duplicates(section, records))
    selection = document.get("selection")
    if selection is not None and not (
        isinstance(selection, list) and all(isinstance(s, str) for s in selection)
    ):
        problems.append("selection: a list of collection names, or null")
    return problems


def _label(kind) -> str:
    return {TIME: "a time with its zone", UUID: "a UUID", OPTIONAL: "null"}.get(
        kind, getattr(kind, "__name__", kind)
    )


def _duplicates(section: str, records: list) -> list[str]:
    key = {"instruments": "name", "collections": "name", "tags": None}.get(section, "uuid")
    if key is None:
        values = [(r.get("collection"), r.get("product")) for r in records if isinstance(r, dict)]
    else:
        values = [r.get(key) for r in records if isinstance(r, dict)]
    seen, repeated = set(), set()
    for value in values:
        (repeated if value in seen else seen).add(value)
    return [f"{section}: {value} appears more than once" for value in sorted(map(str, repeated))]


def product_path_problem(run: str, path: str) -> str | None:
    """Why ``path`` cannot be a product of RUN ``run`` under the data root, or None: it stays in the
    run's folder (no absolute path, no '..', '.' or empty part, no NUL or backslash) and its file
    name carries the run's name."""
    parts = path.split("/")
    if (
        path.startswith("/")
        or any(part in {"", ".", ".."} for part in parts)
        or "\\" in path
        or "\x00" in path
    ):
        return f"{path!r} must stay inside its collection folder"
    if parts[0] != run:
        return f"{path!r} is not inside collection {run}"
    if run.lower() not in parts[-1].lower():
        return f"file name {parts[-1]!r} must contain the collection name {run}"
    return None


def summarize(problems: list[str]) -> str:
    shown = problems[:MAX_PROBLEMS]
    more = f"\n... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    return "\n".join(shown) + more
