"""Export of the registry, or of some collections, as a deterministic, versioned document
(registry_format), with the files in a tarball if asked (the LSST Gen3 Butler notes: "export and import").

A collection's export holds its records and everything they need to mean the same elsewhere: a
RUN's products (every version, purged ones too), a TAGGED collection's members and history, a
CHAINED collection's children; then, for every product, its producing Execution, that
Execution's inputs, and the version it replaces, recursively (so provenance reads the same at the
importing site); the RUN collections and instruments those products name; and the events about
any of these records."""

from __future__ import annotations

import hashlib
import io
import tarfile
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from l2portal.files import atomic_output
from l2portal.ledger.models import Execution, LedgerEvent
from l2portal.registry.models import Collection, Instrument, Product, TagChange, TagMembership, chain_links

from ...ledger.bulk import among
from ...ledger.conf import data_root
from ...ledger.roles import OPERATOR
from ...ledger.services.actors import Actor
from ...ledger.services.refusing import require_role
from .. import registry_format
from .collections import collection_named
from .export_records import execution_records, product_records, when
from .products import EXPORT_TYPE, product_path
from .writing import write_product

# Events made before events had global ids are named by their site and number.
LEGACY_EVENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "l2portal:event")
Consumes = Execution.inputs.through
SUBJECT_KINDS = {
    Instrument: "instrument",
    Collection: "collection",
    Product: "product",
    Execution: "execution",
}


def registry_document(
    names: Sequence[str] | None, actor: Actor, *, leave_out_types: Iterable[str] = ()
) -> dict:
    """The export document of the collections ``names`` (every collection when None)."""
    chosen = (
        [collection_named(name, actor) for name in names]
        if names is not None
        else list(Collection.objects.all())
    )
    below = {link[1] for link in chain_links(c.pk for c in chosen if c.kind == Collection.Kind.CHAINED)}
    selected = {c.pk: c for c in chosen} | Collection.objects.in_bulk(below)
    runs = [pk for pk, c in selected.items() if c.kind == Collection.Kind.RUN]
    tags = [pk for pk, c in selected.items() if c.kind == Collection.Kind.TAGGED]
    run_products = set(
        Product.objects.filter(collection_id__in=runs)
        .exclude(product_type__in=leave_out_types)
        .values_list("pk", flat=True)
    )
    seeds = run_products | set(
        TagMembership.objects.filter(collection_id__in=tags).values_list("product_id", flat=True)
    )
    product_pks, execution_pks = _with_provenance(seeds, runs, leave_out_types)
    uuids: dict[type, dict[int, str]] = {Product: {}, Execution: {}}
    products = product_records(
        product_pks - set(run_products), runs=runs, leave_out_types=leave_out_types, uuids=uuids[Product]
    )
    executions = execution_records(execution_pks, product_uuids=uuids[Product], uuids=uuids[Execution])
    runs_named = {record["run"] for record in products}
    collections = {c.pk: c for c in Collection.objects.filter(Q(pk__in=selected) | Q(name__in=runs_named))}
    children = _children(collections)
    named = {record["instrument"] for record in products if record["instrument"]}
    instruments = {i.pk: i for i in Instrument.objects.filter(name__in=named).order_by("name")}
    uuids[Collection] = {pk: str(c.uuid) for pk, c in collections.items()}
    uuids[Instrument] = {pk: str(i.uuid) for pk, i in instruments.items()}
    return {
        "format": registry_format.FORMAT,
        "version": registry_format.version_text(),
        "selection": sorted(names) if names is not None else None,
        "instruments": [_instrument(i) for i in instruments.values()],
        "collections": sorted(
            (_collection(c, children) for c in collections.values()), key=lambda r: r["name"]
        ),
        "products": sorted(products, key=lambda r: (r["path"], r["uuid"])),
        "executions": sorted(executions, key=lambda r: r["uuid"]),
        "tags": _tags(tags),
        "tag_changes": _tag_changes(tags),
        "events": _events(uuids),
    }


def _with_provenance(
    products: set[int], runs: list[int], leave_out_types: Iterable[str]
) -> tuple[set[int], set[int]]:
    """``products`` (the products of ``runs`` among them) with every product their provenance
    reaches (inputs of their producers, the versions they replace, recursively), and the producing
    executions."""
    product_pks, execution_pks = set(products), set()
    frontier = set(products)
    of_runs = Product.objects.filter(collection_id__in=runs).exclude(product_type__in=leave_out_types)
    rounds = (
        [of_runs, *among(Product.objects.exclude(collection_id__in=runs), "pk", frontier)] if runs else None
    )
    while frontier:
        found_executions, found_products = set(), set()
        for query in rounds or among(Product.objects.all(), "pk", frontier):
            for producer, replaced in query.order_by().values_list("produced_by_id", "replaces_id"):
                if producer is not None:
                    found_executions.add(producer)
                if replaced is not None:
                    found_products.add(replaced)
        rounds = None
        new_executions = found_executions - execution_pks
        execution_pks |= new_executions
        for query in among(Consumes.objects.all(), "execution_id", new_executions):
            found_products.update(query.values_list("product_id", flat=True))
        frontier = found_products - product_pks
        product_pks |= frontier
    return product_pks, execution_pks


def _children(collections: dict[int, Collection]) -> dict[int, list[str]]:
    chains = [pk for pk, c in collections.items() if c.kind == Collection.Kind.CHAINED]
    links = Collection.children.through.objects.filter(parent_id__in=chains).order_by("parent_id", "position")
    children: dict[int, list[str]] = {}
    for parent, name in links.values_list("parent_id", "child__name"):
        children.setdefault(parent, []).append(name)
    return children


def _instrument(instrument: Instrument) -> dict:
    return {
        "name": instrument.name,
        "full_name": instrument.full_name,
        "observatory": instrument.observatory,
        "dimensions": instrument.dimensions,
        "description": instrument.description,
        "uuid": str(instrument.uuid),
        "site": instrument.site,
    }


def _collection(collection: Collection, children: dict[int, list[str]]) -> dict:
    return {
        "name": collection.name,
        "kind": collection.kind,
        "description": collection.description,
        "children": children.get(collection.pk, []),
        "uuid": str(collection.uuid),
        "site": collection.site,
        "host": collection.host,
        "began_at": when(collection.began_at),
        "ended_at": when(collection.ended_at),
        "software": collection.software,
        "expires_at": when(collection.expires_at),
        "created_at": when(collection.created_at),
    }


def _tags(tags: list[int]) -> list[dict]:
    members = TagMembership.objects.filter(collection_id__in=tags).values_list(
        "collection__name", "product__uuid", "added_at"
    )
    return sorted(
        (
            {"collection": name, "product": str(product), "added_at": when(at)}
            for name, product, at in members
        ),
        key=lambda r: (r["collection"], r["product"]),
    )


def _tag_changes(tags: list[int]) -> list[dict]:
    changes = TagChange.objects.filter(collection_id__in=tags).values_list(
        "uuid", "site", "collection__name", "product__uuid", "action", "at", "actor", "reason"
    )
    records = [
        {
            "uuid": str(change_uuid),
            "site": site,
            "collection": collection,
            "product": str(product),
            "action": action,
            "at": when(at),
            "actor": actor,
            "reason": reason,
        }
        for change_uuid, site, collection, product, action, at, actor, reason in changes
    ]
    return sorted(records, key=lambda r: (r["at"], r["uuid"]))


def _events(uuids: dict[type, dict[int, str]]) -> list[dict]:
    """The events whose subject is one of the exported records (``uuids``: model -> pk -> uuid)."""
    records = []
    types = ContentType.objects.get_for_models(*uuids)
    for model, names in uuids.items():
        events = LedgerEvent.objects.filter(subject_type=types[model])
        for query in among(events, "subject_id", [str(pk) for pk in names], kind="text"):
            for event in query.values(
                "pk", "uuid", "site", "at", "kind", "subject_id", "actor", "message", "details"
            ):
                records.append(
                    {
                        "uuid": str(
                            event["uuid"]
                            or uuid.uuid5(LEGACY_EVENT_NAMESPACE, f"{event['site']}/{event['pk']}")
                        ),
                        "site": event["site"],
                        "at": when(event["at"]),
                        "kind": event["kind"],
                        "subject_kind": SUBJECT_KINDS[model],
                        "subject": names[int(event["subject_id"])],
                        "actor": event["actor"],
                        "message": event["message"],
                        "details": event["details"],
                    }
                )
    return sorted(records, key=lambda r: (r["at"], r["uuid"]))


def export_registry(
    names: Sequence[str] | None, output: Path, actor: Actor, *, with_files: bool = False
) -> dict:
    """Write the export of ``names`` (every collection when None) to ``output``: the document, or
    with ``with_files`` a tarball of the document and the present products' files. Returns the
    document."""
    require_role(actor, OPERATOR, to="export the registry")
    document = registry_document(names, actor)
    body = registry_format.dumps(document)
    with atomic_output(output, overwrite=True) as tmp:
        if with_files:
            _write_tarball(tmp, body, [p["path"] for p in document["products"] if p["status"] == "present"])
        else:
            tmp.write_bytes(body)
    return document


def _write_tarball(target: Path, body: bytes, paths: list[str]) -> None:
    """The document first, then the files in path order; no owner or time of this machine."""
    root = data_root()
    with tarfile.open(target, "w") as archive:
        info = tarfile.TarInfo(registry_format.DOCUMENT_NAME)
        info.size, info.mode = len(body), 0o644
        archive.addfile(info, io.BytesIO(body))
        for relative in sorted(paths):
            path = root / relative
            info = tarfile.TarInfo(registry_format.FILES_FOLDER + relative)
            info.size, info.mode = path.stat().st_size, 0o644
            with path.open("rb") as handle:
                archive.addfile(info, handle)


def export_document(collection: Collection) -> dict:
    """The export document of one collection, its own export files left out."""
    return registry_document([collection.name], Actor.system("export"), leave_out_types=(EXPORT_TYPE,))


def export_collection(collection: Collection) -> Product:
    """Write a collection's export document as a product named by its content: the same collection
    exports to the same file, a changed one to a new file."""
    document = export_document(collection)
    body = registry_format.dumps(document)
    digest = hashlib.sha256(body).hexdigest()[:12]
    relative = product_path(collection, "exports", f"{collection.name}_export_{digest}.json")
    return write_product(
        collection,
        relative,
        EXPORT_TYPE,
        lambda tmp: tmp.write_bytes(body),
        metadata={"products": len(document["products"]), "format": document["version"]},
    )
