"""What an import would write, checked in full against the document and this registry before
anything is written (services/importing.py writes it)."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tarfile
from pathlib import Path

from django.db.models import Q

from l2portal.files import StagedFile, sha256_file, staged_output
from l2portal.ledger.execution import current_execution, note_writing, partial_tag
from l2portal.ledger.models import Execution, LedgerEvent
from l2portal.registry.models import Collection, Instrument, Product, TagChange, instrument_uuid

from ...ledger.bulk import among, chunks
from ...ledger.conf import data_root
from .. import registry_format
from .export_records import execution_records, product_records


def uuids_here(model, uuids) -> dict[str, int]:
    """uuid -> pk of those of ``uuids`` this registry holds."""
    found = {}
    for query in among(model.objects.all(), "uuid", set(uuids), kind="uuid"):
        found.update((str(u), pk) for u, pk in query.values_list("uuid", "pk"))
    return found


def record_file_problem(path: Path, record: dict) -> str | None:
    """What is wrong with the file of a product record under the data root, or None."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return "its file is not under the data root"
    if not stat.S_ISREG(status.st_mode):
        return "its file is not under the data root"  # a link or a folder at its place
    if status.st_size != record["size"]:
        return f"its file has {status.st_size} bytes, registered {record['size']}"
    if sha256_file(path) != record["sha256"]:
        return "its file differs from its sha256"
    return None


class ImportPlan:
    def __init__(self, document: dict):
        self.document = document
        self.problems: list[str] = []
        records = {section: document[section] for section in registry_format.SECTIONS}
        self.products = {r["uuid"]: r for r in records["products"]}
        self.executions = {r["uuid"]: r for r in records["executions"]}
        # Collections and instruments are known by name; everything else by UUID.
        names = {r["name"] for r in records["collections"]} | {r["run"] for r in records["products"]}
        names |= {r["collection"] for section in ("tags", "tag_changes") for r in records[section]}
        names |= {child for r in records["collections"] for child in r["children"]}
        self.collections_here = {c.name: c for c in Collection.objects.filter(name__in=names)}
        self.kinds = {name: c.kind for name, c in self.collections_here.items()}
        self.kinds.update(
            (r["name"], r["kind"]) for r in records["collections"] if r["name"] not in self.kinds
        )
        instruments = {r["name"] for r in records["instruments"]} | {
            r["instrument"] for r in records["products"] if r["instrument"]
        }
        self.instruments_here = {i.name: i for i in Instrument.objects.filter(name__in=instruments)}
        self.dimensions = {r["name"]: r["dimensions"] for r in records["instruments"]}
        self.dimensions.update((name, i.dimensions) for name, i in self.instruments_here.items())
        self.products_here = uuids_here(Product, self.products)
        self.executions_here = uuids_here(Execution, self.executions)
        referred = {u for r in records["executions"] for u in r["inputs"]}
        referred |= {r["replaces"] for r in records["products"] if r["replaces"]}
        referred |= {r["product"] for section in ("tags", "tag_changes") for r in records[section]}
        self.referred_here = uuids_here(Product, referred - set(self.products))
        producers = {r["produced_by"] for r in records["products"] if r["produced_by"]}
        self.producers_here = uuids_here(Execution, producers - set(self.executions))
        self.changes_here = uuids_here(TagChange, [r["uuid"] for r in records["tag_changes"]])
        self.events_here = uuids_here(LedgerEvent, [r["uuid"] for r in records["events"]])
        self.staging = contextlib.ExitStack()  # files copied from the tarball, beside their places
        self.staged: dict[str, StagedFile] = {}
        self.placed: list[Path] = []

    def new(self, section: str) -> list[dict]:
        here = {
            "products": self.products_here,
            "executions": self.executions_here,
            "tag_changes": self.changes_here,
            "events": self.events_here,
        }[section]
        return [r for r in self.document[section] if r["uuid"] not in here]

    def product_known(self, product_uuid: str) -> bool:
        return (
            product_uuid in self.products
            or product_uuid in self.products_here
            or product_uuid in self.referred_here
        )

    # --- checks: each appends what is wrong to self.problems ---

    def check(self) -> list[str]:
        self._check_instruments()
        self._check_collections()
        self._check_products()
        self._check_executions()
        self._check_tags_and_events()
        return self.problems

    def _check_instruments(self):
        for record in self.document["instruments"]:
            here = self.instruments_here.get(record["name"])
            if str(instrument_uuid(record["name"])) != record["uuid"]:
                self.problems.append(f"instrument {record['name']}: uuid {record['uuid']} is not its name's")
            if here is not None and here.dimensions != record["dimensions"]:
                self.problems.append(
                    f"instrument {record['name']} has dimensions {here.dimensions} here, "
                    f"{record['dimensions']} in the export"
                )

    def _check_collections(self):
        by_uuid = {r["uuid"]: r["name"] for r in self.document["collections"]}
        others = Collection.objects.filter(uuid__in=list(by_uuid)).exclude(name__in=list(by_uuid.values()))
        for name, collection_uuid in others.values_list("name", "uuid"):
            self.problems.append(f"collection {by_uuid[str(collection_uuid)]}: its uuid is {name}'s here")
        for record in self.document["collections"]:
            name, here = record["name"], self.collections_here.get(record["name"])
            if here is not None and here.kind != record["kind"]:
                self.problems.append(f"collection {name} is {here.kind} here, {record['kind']} in the export")
            if record["kind"] != Collection.Kind.CHAINED and record["children"]:
                self.problems.append(f"collection {name}: only a chained collection has children")
            missing = [child for child in record["children"] if child not in self.kinds]
            if missing:
                self.problems.append(f"chain {name}: children {missing} are neither exported nor here")
            if here is not None and here.kind == Collection.Kind.CHAINED:
                children = list(here.child_links.order_by("position").values_list("child__name", flat=True))
                if children != record["children"]:
                    self.problems.append(
                        f"chain {name} is {children} here, {record['children']} in the export; "
                        "redefine one of them first"
                    )

    def _check_products(self):
        root = data_root().resolve()
        folders: dict[str, bool] = {}
        for record in self.document["products"]:
            where = f"product {record['path']}"
            if self.kinds.get(record["run"]) != Collection.Kind.RUN:
                self.problems.append(
                    f"{where}: its RUN collection {record['run']} is neither exported nor here"
                )
            problem = registry_format.product_path_problem(record["run"], record["path"])
            if problem is not None:
                self.problems.append(f"{where}: {problem}")
            elif not self._inside(root, record["path"], folders):
                self.problems.append(f"{where}: resolves outside the data root")
            if not registry_format.SHA256.fullmatch(record["sha256"]) or record["size"] < 0:
                self.problems.append(f"{where}: size or sha256 malformed")
            if record["replaces"] and not self.product_known(record["replaces"]):
                self.problems.append(f"{where}: the version it replaces is neither exported nor here")
            producer = record["produced_by"]
            if producer and producer not in self.executions and producer not in self.producers_here:
                self.problems.append(f"{where}: its execution {producer} is neither exported nor here")
            self._check_data_id(record, where)
        self._check_same(self.products_here, product_records, "product")
        self._check_clashes()

    def _check_data_id(self, record: dict, where: str):
        name, data_id = record["instrument"], record["data_id"]
        if name is None:
            if data_id or record["data_key"]:
                self.problems.append(f"{where}: a data id without an instrument")
            return
        dimensions = self.dimensions.get(name)
        if dimensions is None:
            self.problems.append(f"{where}: instrument {name} is neither exported nor here")
            return
        key = (
            f"{name}|" + "".join(f"{d}={data_id[d]}|" for d in dimensions if d in data_id) if data_id else ""
        )
        if set(data_id) - set(dimensions) or key != record["data_key"]:
            self.problems.append(
                f"{where}: data id {data_id} and key {record['data_key']!r} do not fit {name}"
            )

    @staticmethod
    def _inside(root: Path, relative: str, folders: dict[str, bool]) -> bool:
        """The path's folder resolves (symbolic links followed) inside the data root."""
        folder = relative.rpartition("/")[0]
        if folder not in folders:
            folders[folder] = (root / folder).resolve().is_relative_to(root)
        return folders[folder]

    def _check_same(self, here: dict[str, int], records_of, label: str):
        """A record whose UUID is here must be here as it is in the export."""
        theirs = self.products if label == "product" else self.executions
        for ours in records_of(here.values()):
            record = theirs[ours["uuid"]]
            differing = sorted(name for name in record if record[name] != ours[name])
            if differing:
                self.problems.append(
                    f"{label} {ours['uuid']} is here with another {', '.join(differing)}; nothing replaces it"
                )

    def _check_clashes(self):
        """A new present product may not take the path of a present product here, nor a new
        current one a data id of which a RUN here holds another current product."""
        new = self.new("products")
        present = Product.objects.filter(status=Product.Status.PRESENT)
        paths = [r["path"] for r in new if r["status"] == Product.Status.PRESENT]
        for query in among(present, "path", paths, kind="text"):
            for path in query.values_list("path", flat=True):
                self.problems.append(f"product {path}: a present product here has that path")
        keyed = [r for r in new if r["current"] and r["data_key"] and r["run"] in self.collections_here]
        replaced = {r["replaces"] for r in self.document["products"] if r["replaces"]}
        for part in chunks(keyed, 500):
            match = Q()
            for r in part:
                match |= Q(
                    collection=self.collections_here[r["run"]],
                    product_type=r["product_type"],
                    data_key=r["data_key"],
                )
            held = Product.objects.filter(match, current=True).exclude(uuid__in=replaced)
            for path, run, product_type, key in held.values_list(
                "path", "collection__name", "product_type", "data_key"
            ):
                self.problems.append(f"{run} here already holds {product_type} of {key} as {path}")

    def _check_executions(self):
        for record in self.document["executions"]:
            missing = [u for u in record["inputs"] if not self.product_known(u)]
            if missing:
                self.problems.append(
                    f"execution {record['uuid']}: inputs {missing} are neither exported nor here"
                )
        self._check_same(self.executions_here, execution_records, "execution")

    def _check_tags_and_events(self):
        for section in ("tags", "tag_changes"):
            for record in self.document[section]:
                if self.kinds.get(record["collection"]) != Collection.Kind.TAGGED:
                    self.problems.append(f"{section}: {record['collection']} is not a TAGGED collection")
                if not self.product_known(record["product"]):
                    self.problems.append(
                        f"{section}: product {record['product']} is neither exported nor here"
                    )
        for record in self.document["events"]:
            if (record["subject_kind"] is None) != (record["subject"] is None):
                self.problems.append(
                    f"event {record['uuid']}: a subject kind without a subject, or the reverse"
                )

    # --- files ---

    def check_files(self, archive: tarfile.TarFile | None) -> list[str]:
        """Each new present product's file: in the tarball (copied beside its place and checked),
        else under the data root; either way with its size and sha256."""
        root = data_root()
        members = {m.name: m for m in archive.getmembers()} if archive is not None else {}
        for record in self.new("products"):
            if record["status"] != Product.Status.PRESENT:
                continue
            target = root / record["path"]
            if archive is None or target.exists():
                problem = record_file_problem(target, record)
                if problem is not None and archive is not None:
                    problem = "another file is at its place here; nothing replaces it"
            else:
                member = members.get(registry_format.FILES_FOLDER + record["path"])
                problem = self._stage(archive, member, target, record)
            if problem is not None:
                self.problems.append(f"product {record['path']}: {problem}")
        return self.problems

    def _stage(self, archive: tarfile.TarFile, member, target: Path, record: dict) -> str | None:
        if member is None or not member.isfile():
            return "its file is not in the export"
        if member.size != record["size"]:
            return f"its file in the export has {member.size} bytes, registered {record['size']}"
        # Tagged with the import's Execution and noted as it starts: if the import is killed, the
        # recovery finds what it staged and removes it.
        note_writing(record["path"])
        staging = staged_output(target, tag=partial_tag(current_execution()))
        staged = self.staged[record["path"]] = self.staging.enter_context(staging)
        with archive.extractfile(member) as source, staged.path.open("wb") as sink:
            shutil.copyfileobj(source, sink, 1 << 20)
        staged.finish()
        if sha256_file(staged.path) != record["sha256"]:
            return "its file in the export differs from its sha256"
        return None

    def place_files(self):
        for path, staged in sorted(self.staged.items()):
            staged.put_in_place()
            self.placed.append(data_root() / path)

    def remove_placed(self):
        for path in self.placed:
            path.unlink(missing_ok=True)

    def discard_staged(self):
        """Remove what was staged and not put in place."""
        self.staging.close()
