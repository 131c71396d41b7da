"""A local stand-in for the DKIST metadata store: a real HTTP endpoint at POST /graphql.

It understands just enough GraphQL for this project: a ``datasetInventories(filterParams: ...)``
query and a ``createL2InversionInventory(createParams: ...)`` mutation, with arguments written
inline in the query text or passed as ``$variables``. Selection sets are not applied: whole
records are returned. Records come from offline GraphQL response files or the demo generator;
mutations are recorded in memory. Faults can be injected for tests (malformed JSON, GraphQL
errors, HTTP 500).

    with MetadataServer(records) as server:      # port 0: a free port; server.url is the endpoint
        ...
    python -m l2portal.programs.standins.metadata_server --port 8765 --demo
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from l2portal.local_server import BackgroundServer, QuietHandler
from l2portal.programs.science.metadata import load_response_files
from l2portal.programs.standins import synthetic

FAULTS = ("malformed_json", "graphql_error", "http_500")

QUERY_FIELD = "datasetInventories"
MUTATION_FIELD = "createL2InversionInventory"

_LIST_FILTERS = {
    "primaryProposalIds": "primaryProposalId",
    "primaryExperimentIds": "primaryExperimentId",
    "productIds": "productId",
    "datasetIds": "datasetId",
    "instrumentNames": "instrumentName",
}
_EQUAL_FILTERS = (
    "observingProgramExecutionId",
    "instrumentProgramExecutionId",
    "bucket",
    "isEmbargoed",
)
_RANGE_FILTERS = ("createDate", "updateDate", "startTime", "endTime", "embargoEndDate")
_PAGING = ("pageSize", "pageNumber", "sortColumn")
_REQUIRED_INVERSION_FIELDS = (
    "inversionId",
    "primaryProposalId",
    "instrumentProgramExecutionId",
    "bucket",
    "datasetIds",
    "spectralLines",
)


class GraphQLError(Exception):
    """Reported to the client in the response's ``errors``."""


# --- A small reader of GraphQL argument values --------------------------------------------------

_TOKEN_SPACE = re.compile(r"(?:[\s,]|#[^\n]*)*")
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


class _ArgumentReader:
    def __init__(self, text: str, variables: Mapping[str, Any]):
        self.text = text
        self.variables = variables
        self.pos = 0

    def skip(self) -> None:
        self.pos = _TOKEN_SPACE.match(self.text, self.pos).end()

    def expect(self, char: str) -> None:
        self.skip()
        if not self.text.startswith(char, self.pos):
            raise GraphQLError(f"syntax error: expected {char!r} at offset {self.pos}")
        self.pos += 1

    def name(self) -> str:
        self.skip()
        match = _NAME.match(self.text, self.pos)
        if not match:
            raise GraphQLError(f"syntax error: expected a name at offset {self.pos}")
        self.pos = match.end()
        return match.group()

    def arguments(self) -> dict[str, Any]:
        """``(name: value, ...)`` starting at the current position."""
        self.expect("(")
        return self._pairs(")")

    def _pairs(self, closing: str) -> dict[str, Any]:
        pairs = {}
        while True:
            self.skip()
            if self.text.startswith(closing, self.pos):
                self.pos += 1
                return pairs
            key = self.name()
            self.expect(":")
            pairs[key] = self.value()

    def value(self) -> Any:
        self.skip()
        char = self.text[self.pos : self.pos + 1]
        if char == "{":
            self.pos += 1
            return self._pairs("}")
        if char == "[":
            self.pos += 1
            items = []
            while True:
                self.skip()
                if self.text.startswith("]", self.pos):
                    self.pos += 1
                    return items
                items.append(self.value())
        if char == "$":
            self.pos += 1
            return self.variables.get(self.name())
        if char == '"':
            match = _STRING.match(self.text, self.pos)
            if not match:
                raise GraphQLError(f"syntax error: unterminated string at offset {self.pos}")
            self.pos = match.end()
            return json.loads(match.group())
        number = _NUMBER.match(self.text, self.pos)
        if number:
            self.pos = number.end()
            return float(number.group()) if number.group(1) or number.group(2) else int(number.group())
        word = self.name()
        return {"true": True, "false": False, "null": None}.get(word, word)  # enums read as strings


def parse_operation(query: str, variables: Mapping[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """(root field, its arguments) of the one operation this server knows in ``query``."""
    match = re.search(rf"\b({QUERY_FIELD}|{MUTATION_FIELD})\b\s*(\(?)", query)
    if not match:
        raise GraphQLError(f"only {QUERY_FIELD} and {MUTATION_FIELD} are supported")
    if not match.group(2):
        return match.group(1), {}
    reader = _ArgumentReader(query, variables or {})
    reader.pos = match.start(2)
    return match.group(1), reader.arguments()


# --- The store ----------------------------------------------------------------------------------


def _moment(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _sort_key(column: str):
    def key(record: Mapping[str, Any]) -> tuple[bool, str]:
        value = record.get(column)
        return (value is None, "" if value is None else str(value))

    return key


class MetadataStore:
    """Records and recorded mutations behind the HTTP endpoint; thread-safe."""

    def __init__(self, records: Iterable[Mapping[str, Any]] = ()):
        self._lock = threading.Lock()
        self._records = [dict(record) for record in records]
        self._mutations: list[dict[str, Any]] = []
        self._faults: deque[str] = deque()
        self._answers: dict[str, list[dict[str, Any]]] = {}

    def add_records(self, records: Iterable[Mapping[str, Any]]) -> None:
        """More datasets appear in the store (as after a reprocessing)."""
        with self._lock:
            self._records.extend(dict(record) for record in records)
            self._answers.clear()

    @property
    def mutations(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(mutation) for mutation in self._mutations]

    def inject_fault(self, kind: str, times: int = 1) -> None:
        """Answer the next ``times`` requests with fault ``kind`` (one of FAULTS)."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; choose from {FAULTS}")
        with self._lock:
            self._faults.extend([kind] * times)

    def take_fault(self) -> str | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def execute(self, query: str, variables: Mapping[str, Any] | None) -> dict[str, Any]:
        try:
            field, arguments = parse_operation(query, variables)
            if field == QUERY_FIELD:
                result = self.dataset_inventories(arguments.get("filterParams") or {})
            else:
                result = self.create_l2_inversion_inventory(arguments.get("createParams"))
        except GraphQLError as error:
            return {"data": None, "errors": [{"message": str(error)}]}
        return {"data": {field: result}}

    def dataset_inventories(self, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        if not isinstance(params, Mapping):
            raise GraphQLError("filterParams must be an object")
        tests = []
        for key, wanted in params.items():
            if key in _PAGING or wanted is None:
                continue
            if key in _LIST_FILTERS:
                tests.append(
                    lambda r, column=_LIST_FILTERS[key], allowed=set(wanted): r.get(column) in allowed
                )
            elif key in _EQUAL_FILTERS:
                tests.append(lambda r, column=key, value=wanted: r.get(column) == value)
            elif key.endswith(("Min", "Max")) and key[:-3] in _RANGE_FILTERS:
                bound, column, lower = _moment(wanted), key[:-3], key.endswith("Min")
                tests.append(
                    lambda r, c=column, b=bound, low=lower: (
                        (m := _moment(r.get(c))) is not None and (m >= b if low else m <= b)
                    )
                )
            else:
                raise GraphQLError(f"filterParams field {key!r} is not supported by this server")

        column = params.get("sortColumn") or "createDate"
        # A paged scan asks the same question once per page: filter and sort once per question.
        question = json.dumps(
            {k: v for k, v in params.items() if k not in ("pageSize", "pageNumber")},
            sort_keys=True,
            default=str,
        )
        with self._lock:
            matching = self._answers.get(question)
            if matching is None:
                matching = [record for record in self._records if all(test(record) for test in tests)]
                matching.sort(key=_sort_key(column.lstrip("-")), reverse=column.startswith("-"))
                if len(self._answers) >= 32:
                    self._answers.clear()
                self._answers[question] = matching

        page_size, page_number = params.get("pageSize"), params.get("pageNumber") or 1
        if page_size is None:
            return matching
        if page_size < 1 or page_number < 1:
            raise GraphQLError("pageSize and pageNumber must be at least 1")
        start = (page_number - 1) * page_size
        return matching[start : start + page_size]

    def create_l2_inversion_inventory(self, params: Any) -> dict[str, Any]:
        if not isinstance(params, Mapping):
            raise GraphQLError("createParams is required")
        missing = [name for name in _REQUIRED_INVERSION_FIELDS if params.get(name) is None]
        if missing:
            raise GraphQLError(f"createParams is missing required fields: {', '.join(missing)}")
        for name in ("datasetIds", "spectralLines"):
            if not isinstance(params[name], list) or not all(isinstance(i, str) for i in params[name]):
                raise GraphQLError(f"createParams.{name} must be a list of strings")
        record = {
            "inversionId": params["inversionId"],
            "primaryProposalId": params["primaryProposalId"],
            "instrumentProgramExecutionId": params["instrumentProgramExecutionId"],
            "bucket": params["bucket"],
            "asdfObjectKey": params.get("asdfObjectKey"),
            "datasetIds": list(params["datasetIds"]),
            "spectralLines": list(params["spectralLines"]),
            "createDate": datetime.now(UTC).replace(tzinfo=None).isoformat(),
            "updateDate": None,
        }
        with self._lock:
            self._mutations.append(record)
        return dict(record)


# --- HTTP ---------------------------------------------------------------------------------------


class _GraphQLHandler(QuietHandler):
    def do_POST(self) -> None:
        if self.path.split("?")[0].rstrip("/") != "/graphql":
            self.send(404, b"not found; POST /graphql", "text/plain")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        store: MetadataStore = self.server.state
        fault = store.take_fault()
        if fault == "http_500":
            self.send(500, b"injected fault: internal server error", "text/plain")
            return
        if fault == "malformed_json":
            self.send(200, b'{"data": {"datasetInventories": [{"datasetId": ')
            return
        if fault == "graphql_error":
            self.send(200, json.dumps({"data": None, "errors": [{"message": "injected fault"}]}).encode())
            return
        try:
            request = json.loads(body)
            query, variables = request["query"], request.get("variables") or {}
            if not isinstance(query, str) or not isinstance(variables, Mapping):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            error = {"errors": [{"message": 'expected a JSON body {"query": ..., "variables": {...}}'}]}
            self.send(400, json.dumps(error).encode())
            return
        self.send(200, json.dumps(store.execute(query, variables)).encode())


class MetadataServer(BackgroundServer):
    """The local metadata store on a background thread; a context manager.

    ``port=0`` takes a free port. ``url`` is the GraphQL endpoint; ``store`` holds the records,
    the recorded mutations and the fault queue (also reachable as ``mutations``/``inject_fault``).
    """

    name = "metadata-server"

    def __init__(
        self,
        records: Iterable[Mapping[str, Any]] = (),
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
    ):
        self.store = MetadataStore(records)
        super().__init__(_GraphQLHandler, self.store, host=host, port=port, verbose=verbose)

    @property
    def url(self) -> str:
        return f"{self.base_url}/graphql"

    @property
    def mutations(self) -> list[dict[str, Any]]:
        return self.store.mutations

    def inject_fault(self, kind: str, times: int = 1) -> None:
        self.store.inject_fault(kind, times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--demo", action="store_true", help="serve generated demo datasets")
    parser.add_argument("--demo-programs", type=int, default=20, help="observing programs to generate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("files", nargs="*", help="GraphQL datasetInventories response files to serve")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    records = load_response_files(args.files)
    if args.demo:
        records.extend(synthetic.generate_records(args.demo_programs, seed=args.seed))
    server = MetadataServer(records, host=args.host, port=args.port, verbose=args.verbose)
    print(f"metadata store with {len(records)} datasets at {server.url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
