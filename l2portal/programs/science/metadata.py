"""Client and parser for the DKIST metadata store's GraphQL API (dataset inventories, L2 inversions).

Pure Python (no Django): the scan task, the CLI and the tests share it.

Paging: the client sends ``pageSize`` and ``pageNumber`` (1-based) inside ``filterParams``, as the
metadata store's ``DatasetInventoriesRequest`` input does, sorted by ``sortColumn`` (``datasetId``
by default: unique, so no record moves between pages while the store grows), and asks for the
next page until one comes back shorter than ``pageSize``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from l2portal.unreachable import why_unreachable

DEFAULT_TIMEOUT = (5.0, 60.0)  # seconds: (connect, read)
DEFAULT_PAGE_SIZE = 1000

DATASET_INVENTORY_FIELDS = (
    "datasetId",
    "productId",
    "primaryProposalId",
    "primaryExperimentId",
    "observingProgramExecutionId",
    "instrumentProgramExecutionId",
    "instrumentName",
    "startTime",
    "endTime",
    "createDate",
    "updateDate",
    "wavelengthMin",
    "wavelengthMax",
    "stokesParameters",
    "spectralLines",
    "frameCount",
    "exposureTime",
    "boundingBox",
    "isEmbargoed",
    "embargoEndDate",
    "bucket",
    "browseMovieUrl",
    "health",
    "gosStatus",
    "aoLocked",
    "lightLevel",
    "friedParameter",
)

# health, gosStatus, lightLevel and friedParameter are JSON scalars in the store's schema, so they
# are selected without sub-fields.
DATASET_INVENTORIES_QUERY = (
    "query DatasetInventories($filterParams: DatasetInventoriesRequest) {\n"
    "  datasetInventories(filterParams: $filterParams) {\n    "
    + "\n    ".join(DATASET_INVENTORY_FIELDS)
    + "\n  }\n}"
)

L2_INVERSION_FIELDS = (
    "inversionId",
    "primaryProposalId",
    "instrumentProgramExecutionId",
    "bucket",
    "asdfObjectKey",
    "datasetIds",
    "spectralLines",
    "createDate",
    "updateDate",
)

CREATE_L2_INVERSION_MUTATION = (
    "mutation CreateL2InversionInventory($createParams: L2InversionInventory!) {\n"
    "  createL2InversionInventory(createParams: $createParams) {\n    "
    + "\n    ".join(L2_INVERSION_FIELDS)
    + "\n  }\n}"
)


class MetadataError(Exception):
    """Any failure talking to the metadata store."""


class MetadataConnectionError(MetadataError):
    """The metadata store could not be reached or did not answer in time."""


class MetadataResponseError(MetadataError):
    """The metadata store answered with something this client cannot accept."""


@dataclass(frozen=True)
class HealthCounts:
    good: int = 0
    bad: int = 0
    ill: int = 0
    unknown: int = 0


@dataclass(frozen=True)
class GosStatusCounts:
    open: int = 0
    opening: int = 0
    closed: int = 0
    closing: int = 0
    undefined: int = 0


@dataclass(frozen=True)
class Distribution:
    min: float
    p25: float
    med: float
    p75: float
    max: float


@dataclass(frozen=True)
class BoundingBox:
    """Two opposite corners in arcsec from disk centre, as the store gives them."""

    x1: float
    y1: float
    x2: float
    y2: float

    def corners(self) -> tuple[tuple[float, float], ...]:
        return ((self.x1, self.y1), (self.x1, self.y2), (self.x2, self.y1), (self.x2, self.y2))


@dataclass(frozen=True)
class DatasetInventory:
    dataset_id: str
    observing_program_execution_id: str
    product_id: str | None = None
    primary_proposal_id: str | None = None
    primary_experiment_id: str | None = None
    instrument_program_execution_id: str | None = None
    instrument_name: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    create_date: datetime | None = None
    update_date: datetime | None = None
    wavelength_min: float | None = None
    wavelength_max: float | None = None
    stokes_parameters: str | None = None
    spectral_lines: tuple[str, ...] | None = None
    frame_count: int | None = None
    exposure_time: float | None = None
    bounding_box: BoundingBox | None = None
    is_embargoed: bool | None = None
    embargo_end_date: datetime | None = None
    bucket: str | None = None
    browse_movie_url: str | None = None
    health: HealthCounts = HealthCounts()
    gos_status: GosStatusCounts = GosStatusCounts()
    ao_locked: int = 0
    light_level: Distribution | None = None
    fried_parameter: Distribution | None = None

    @property
    def last_modified(self) -> datetime | None:
        """When the store last touched this record: updateDate, else createDate."""
        return self.update_date or self.create_date


_NUMBER = r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*"
_BOUNDING_BOX = re.compile(rf"^\s*\(?\s*\({_NUMBER},{_NUMBER}\)\s*,\s*\({_NUMBER},{_NUMBER}\)\s*\)?\s*$")

# (attribute, GraphQL field) by kind. A scan parses ~100,000 records, so each step below walks a
# table of fields of one kind rather than calling a function per field.
_REQUIRED_STRINGS = (
    ("dataset_id", "datasetId"),
    ("observing_program_execution_id", "observingProgramExecutionId"),
)
_STRINGS = (
    ("product_id", "productId"),
    ("primary_proposal_id", "primaryProposalId"),
    ("primary_experiment_id", "primaryExperimentId"),
    ("instrument_program_execution_id", "instrumentProgramExecutionId"),
    ("instrument_name", "instrumentName"),
    ("stokes_parameters", "stokesParameters"),
    ("bucket", "bucket"),
    ("browse_movie_url", "browseMovieUrl"),
)
_DATETIMES = (
    ("start_time", "startTime"),
    ("end_time", "endTime"),
    ("create_date", "createDate"),
    ("update_date", "updateDate"),
    ("embargo_end_date", "embargoEndDate"),
)
_FLOATS = (
    ("wavelength_min", "wavelengthMin"),
    ("wavelength_max", "wavelengthMax"),
    ("exposure_time", "exposureTime"),
)
_INTEGERS = (("frame_count", "frameCount"), ("ao_locked", "aoLocked"))
_COUNTS = (("health", "health", HealthCounts), ("gos_status", "gosStatus", GosStatusCounts))
_DISTRIBUTIONS = (("light_level", "lightLevel"), ("fried_parameter", "friedParameter"))
_DISTRIBUTION_KEYS = tuple(Distribution.__dataclass_fields__)


def _is_int(value: Any) -> bool:
    # bool is an int subclass in Python but never a count.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _utc(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    # The store writes UTC without a suffix.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class _Record:
    """A raw record being parsed: its fields, and the error that names it and a field."""

    __slots__ = ("get", "index")

    def __init__(self, record: Mapping, index: int):
        self.get = record.get
        self.index = index

    def fail(self, field: str, problem: str) -> MetadataResponseError:
        return MetadataResponseError(
            f"record #{self.index} (datasetId={self.get('datasetId')!r}): field {field!r} {problem}"
        )


def _strings(record: _Record) -> dict[str, Any]:
    """The ids (required) and the other text fields."""
    values = {}
    for attribute, field in _REQUIRED_STRINGS:
        value = record.get(field)
        if not isinstance(value, str) or not value:
            raise record.fail(field, "is required and must be a non-empty string")
        values[attribute] = value
    for attribute, field in _STRINGS:
        value = record.get(field)
        if value is not None and not isinstance(value, str):
            raise record.fail(field, f"must be a string, got {value!r}")
        values[attribute] = value
    return values


def _datetimes(record: _Record) -> dict[str, Any]:
    values = {}
    for attribute, field in _DATETIMES:
        value = record.get(field)
        if value is not None:
            try:
                value = _utc(value)
            except (TypeError, ValueError):
                raise record.fail(field, f"is not an ISO 8601 date-time: {value!r}") from None
        values[attribute] = value
    return values


def _numbers(record: _Record) -> dict[str, Any]:
    """Wavelengths and exposure time (any number, as floats), frame counts (integers)."""
    values = {}
    for attribute, field in _FLOATS:
        value = record.get(field)
        if value is not None:
            if not _is_number(value):
                raise record.fail(field, f"must be a number, got {value!r}")
            value = float(value)
        values[attribute] = value
    for attribute, field in _INTEGERS:
        value = record.get(field)
        if value is not None and not _is_int(value):
            raise record.fail(field, f"must be an integer, got {value!r}")
        values[attribute] = value
    values["ao_locked"] = values["ao_locked"] or 0
    return values


def _embargo_and_lines(record: _Record) -> dict[str, Any]:
    embargoed = record.get("isEmbargoed")
    if embargoed is not None and not isinstance(embargoed, bool):
        raise record.fail("isEmbargoed", f"must be true or false, got {embargoed!r}")
    lines = record.get("spectralLines")
    if lines is not None:
        if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
            raise record.fail("spectralLines", f"must be a list of strings, got {lines!r}")
        lines = tuple(lines)
    return {"is_embargoed": embargoed, "spectral_lines": lines}


def _bounding_box(record: _Record) -> dict[str, Any]:
    box = record.get("boundingBox")
    if box is not None:
        match = _BOUNDING_BOX.match(box) if isinstance(box, str) else None
        if not match:
            raise record.fail("boundingBox", f"is not a box like '(x1,y1),(x2,y2)': {box!r}")
        box = BoundingBox(*map(float, match.groups()))
    return {"bounding_box": box}


def _frame_counts(record: _Record) -> dict[str, Any]:
    """Frames by health and by GOS status; none given is all zeros."""
    values = {}
    for attribute, field, counts_type in _COUNTS:
        counts = record.get(field)
        if counts is None:
            values[attribute] = counts_type()
            continue
        if not isinstance(counts, Mapping):
            raise record.fail(field, f"must be an object of frame counts, got {counts!r}")
        # The store documents HEALTH keys in upper case ({GOOD: 32, ...}) but sends lower case.
        lowered = {str(key).lower(): count for key, count in counts.items()}
        for name, count in lowered.items():
            if count is not None and not _is_int(count):
                raise record.fail(f"{field}.{name}", f"must be an integer, got {count!r}")
        values[attribute] = counts_type(
            **{name: lowered.get(name) or 0 for name in counts_type.__dataclass_fields__}
        )
    return values


def _distributions(record: _Record) -> dict[str, Any]:
    """Light level and Fried parameter: {min, p25, med, p75, max}."""
    values = {}
    for attribute, field in _DISTRIBUTIONS:
        spread = record.get(field)
        if spread is not None:
            if not isinstance(spread, Mapping):
                raise record.fail(field, f"must be an object {{min, p25, med, p75, max}}, got {spread!r}")
            for key in _DISTRIBUTION_KEYS:
                if not _is_number(spread.get(key)):
                    raise record.fail(f"{field}.{key}", f"must be a number, got {spread.get(key)!r}")
            spread = Distribution(*(float(spread[key]) for key in _DISTRIBUTION_KEYS))
        values[attribute] = spread
    return values


# In this order: a record with several wrong fields is refused for the first one found.
_STEPS = (_strings, _datetimes, _numbers, _embargo_and_lines, _bounding_box, _frame_counts, _distributions)


def parse_dataset_inventory(record: Any, index: int = 0) -> DatasetInventory:
    """One raw ``datasetInventories`` record to a DatasetInventory.

    Missing and null fields become None (frame counts become 0); anything of the wrong type
    raises MetadataResponseError naming the record and the field.
    """
    if not isinstance(record, Mapping):
        raise MetadataResponseError(f"record #{index}: expected an object, got {type(record).__name__}")
    raw = _Record(record, index)
    values: dict[str, Any] = {}
    for step in _STEPS:
        values.update(step(raw))
    return DatasetInventory(**values)


def graphql_data(payload: Any, field: str) -> Any:
    """The ``data.<field>`` of a decoded GraphQL response; GraphQL errors become MetadataResponseError."""
    if not isinstance(payload, Mapping):
        raise MetadataResponseError(f"response is not a JSON object: {str(payload)[:200]!r}")
    if payload.get("errors"):
        messages = "; ".join(
            str(error.get("message", error)) if isinstance(error, Mapping) else str(error)
            for error in payload["errors"]
        )
        raise MetadataResponseError(f"metadata store returned GraphQL errors: {messages}")
    data = payload.get("data")
    if not isinstance(data, Mapping) or field not in data:
        raise MetadataResponseError(f"response has no data.{field}")
    return data[field]


def parse_inventories_response(payload: Any) -> list[DatasetInventory]:
    """A decoded ``{"data": {"datasetInventories": [...]}}`` response to DatasetInventory records."""
    records = graphql_data(payload, "datasetInventories")
    if not isinstance(records, list):
        raise MetadataResponseError("data.datasetInventories is not a list")
    return [parse_dataset_inventory(record, index) for index, record in enumerate(records)]


def load_inventory_file(path: str | os.PathLike) -> list[DatasetInventory]:
    """An offline file holding one GraphQL ``datasetInventories`` response."""
    try:
        with open(path, encoding="utf-8") as handle:
            payload = json.load(handle)
    except json.JSONDecodeError as error:
        raise MetadataResponseError(f"{path}: not JSON ({error})") from None
    try:
        return parse_inventories_response(payload)
    except MetadataResponseError as error:
        raise MetadataResponseError(f"{path}: {error}") from None


def load_response_files(paths: Iterable[str | os.PathLike]) -> list[dict[str, Any]]:
    """Raw records from offline files, each a GraphQL datasetInventories response (unparsed: a
    scan parses only what is new or changed)."""
    records: list[dict[str, Any]] = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            found = graphql_data(json.load(handle), "datasetInventories")
        if not isinstance(found, list):
            raise ValueError(f"{path}: data.datasetInventories is not a list")
        records.extend(found)
    return records


class MetadataClient:
    """Talks to the metadata store's GraphQL endpoint over HTTP."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        page_size: int = DEFAULT_PAGE_SIZE,
        sort_column: str = "datasetId",
        session: requests.Session | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.url = url
        self.timeout = timeout
        self.page_size = page_size
        self.sort_column = sort_column
        self.session = session or requests.Session()
        self.headers = dict(headers or {})

    def execute(self, query: str, variables: Mapping[str, Any] | None = None) -> Any:
        """POST one GraphQL request and return the decoded JSON body."""
        try:
            response = self.session.post(
                self.url,
                json={"query": query, "variables": dict(variables or {})},
                headers=self.headers,
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise MetadataConnectionError(
                f"cannot reach the metadata store at {self.url}: {why_unreachable(error)}"
            ) from None
        if response.status_code != 200:
            raise MetadataResponseError(
                f"metadata store at {self.url} answered HTTP {response.status_code}: {response.text[:200]!r}"
            )
        try:
            return response.json()
        except ValueError:
            raise MetadataResponseError(
                f"metadata store at {self.url} answered with invalid JSON: {response.text[:200]!r}"
            ) from None

    def fetch_raw_inventory_page(
        self, page_number: int, filters: Mapping[str, Any] | None = None
    ) -> list[Any]:
        """The raw records of one page (1-based), unparsed."""
        params = {
            **(filters or {}),
            "pageSize": self.page_size,
            "pageNumber": page_number,
            "sortColumn": self.sort_column,
        }
        payload = self.execute(DATASET_INVENTORIES_QUERY, {"filterParams": params})
        try:
            records = graphql_data(payload, "datasetInventories")
            if not isinstance(records, list):
                raise MetadataResponseError("data.datasetInventories is not a list")
        except MetadataResponseError as error:
            raise MetadataResponseError(f"page {page_number}: {error}") from None
        return records

    def iter_raw_inventory_pages(self, filters: Mapping[str, Any] | None = None) -> Iterable[list[Any]]:
        """The raw records of each page, unparsed (a scanner that parses only what changed)."""
        page_number = 1
        while True:
            records = self.fetch_raw_inventory_page(page_number, filters)
            yield records
            if len(records) < self.page_size:
                return
            page_number += 1

    def iter_dataset_inventory_pages(
        self, filters: Mapping[str, Any] | None = None
    ) -> Iterable[list[DatasetInventory]]:
        for page_number, records in enumerate(self.iter_raw_inventory_pages(filters), start=1):
            try:
                yield [parse_dataset_inventory(record, index) for index, record in enumerate(records)]
            except MetadataResponseError as error:
                raise MetadataResponseError(f"page {page_number}: {error}") from None

    def dataset_inventories(
        self,
        *,
        proposal_ids: Sequence[str] | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> list[DatasetInventory]:
        """Every dataset matching ``filters`` (filterParams), fetched page by page.

        ``proposal_ids`` is a shortcut for the ``primaryProposalIds`` filter. A dataset met on two
        pages (the store changed between requests) is kept once, as last seen.
        """
        params = dict(filters or {})
        if proposal_ids is not None:
            params["primaryProposalIds"] = list(proposal_ids)
        by_id: dict[str, DatasetInventory] = {}
        for page in self.iter_dataset_inventory_pages(params):
            for dataset in page:
                by_id[dataset.dataset_id] = dataset
        return list(by_id.values())

    def create_l2_inversion_inventory(
        self,
        *,
        inversion_id: str,
        primary_proposal_id: str,
        instrument_program_execution_id: str,
        bucket: str,
        asdf_object_key: str | None,
        dataset_ids: Sequence[str],
        spectral_lines: Sequence[str],
    ) -> dict[str, Any]:
        """Register a published inversion; returns the store's createL2InversionInventory answer."""
        params = {
            "inversionId": inversion_id,
            "primaryProposalId": primary_proposal_id,
            "instrumentProgramExecutionId": instrument_program_execution_id,
            "bucket": bucket,
            "asdfObjectKey": asdf_object_key,
            "datasetIds": list(dataset_ids),
            "spectralLines": list(spectral_lines),
        }
        answer = graphql_data(
            self.execute(CREATE_L2_INVERSION_MUTATION, {"createParams": params}),
            "createL2InversionInventory",
        )
        if not isinstance(answer, Mapping):
            raise MetadataResponseError("data.createL2InversionInventory is not an object")
        return dict(answer)
