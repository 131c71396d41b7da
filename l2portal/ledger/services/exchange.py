"""Purge, export and import of collections between sites (seeds/001)."""

from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.utils import timezone

from l2portal.files import sha256_file

from ..models import Collection, Product
from ..refusals import InvalidRequest
from .actors import Actor
from .events import record_event
from .products import (
    ProductPathError,
    absolute_path,
    check_product_path,
    data_root,
    get_run_collection,
    product_path,
    write_product,
)
from .refusing import refuse


def purge_collection(collection: Collection, actor: Actor, reason: str) -> int:
    """Delete the collection's files; keep their rows (marked purged) so provenance still reads."""
    purged = 0
    for product in collection.products.filter(status=Product.Status.PRESENT).iterator():
        absolute_path(product).unlink(missing_ok=True)
        Product.objects.filter(pk=product.pk).update(status=Product.Status.PURGED, purged_at=timezone.now())
        purged += 1
    record_event(
        "collection_purged",
        f"purged {purged} products of {collection}: {reason}",
        actor,
        subject=collection,
        purged=purged,
    )
    return purged


def purge_expired(actor: Actor, now=None) -> dict[str, int]:
    now = now or timezone.now()
    expired = Collection.objects.filter(
        expires_at__lte=now, products__status=Product.Status.PRESENT
    ).distinct()
    return {c.name: purge_collection(c, actor, f"expired at {c.expires_at:%Y-%m-%d %H:%M}") for c in expired}


EXPORT_FORMAT = "l2portal-export/1"


def export_document(collection: Collection) -> dict:
    """A deterministic description of a collection's products, for export/import between sites."""
    products = (
        collection.products.filter(status=Product.Status.PRESENT)
        .exclude(product_type="export")
        .select_related("produced_by")
        .order_by("path")
    )
    return {
        "format": EXPORT_FORMAT,
        "collection": {
            "name": collection.name,
            "kind": collection.kind,
            "description": collection.description,
        },
        "products": [
            {
                "path": p.path,
                "product_type": p.product_type,
                "size": p.size,
                "sha256": p.sha256,
                "metadata": p.metadata,
                "produced_by": p.produced_by.task_name if p.produced_by else None,
                "inputs": sorted(p.produced_by.inputs.values_list("path", flat=True))
                if p.produced_by
                else [],
            }
            for p in products
        ],
    }


def export_collection(collection: Collection) -> Product:
    """Write the export document as a product named by its content: the same collection exports
    to the same file, a changed one to a new file."""
    body = json.dumps(export_document(collection), indent=2, sort_keys=True).encode()
    digest = hashlib.sha256(body).hexdigest()[:12]
    relative = product_path(collection, "exports", f"{collection.name}_export_{digest}.json")
    return write_product(
        collection,
        relative,
        "export",
        lambda tmp: tmp.write_bytes(body),
        metadata={"products": len(json.loads(body)["products"])},
    )


class ImportRefused(InvalidRequest):
    code = "import_refused"


def import_collection(document: dict, actor: Actor) -> list[Product]:
    """Register the products of an export whose files are already under the data root, as they
    are (no renaming). Every file's size and sha256 must match; otherwise nothing is registered."""
    if document.get("format") != EXPORT_FORMAT:
        refuse(
            ImportRefused(
                f"not an l2portal export (format {document.get('format')!r}, want {EXPORT_FORMAT})"
            ),
            actor,
        )
    name = document["collection"]["name"]
    problems = []
    for entry in document["products"]:
        path = data_root() / entry["path"]
        try:
            check_product_path(name, entry["path"])
        except ProductPathError as error:
            problems.append(f"{entry['path']}: {error}")
            continue
        if not path.is_file():
            problems.append(f"{entry['path']}: file missing under the data root")
        elif path.stat().st_size != entry["size"] or sha256_file(path) != entry["sha256"]:
            problems.append(f"{entry['path']}: size or sha256 differs from the export")
    if problems:
        message = f"import of {name} refused, nothing registered:\n" + "\n".join(problems)
        refuse(ImportRefused(message, details={"problems": problems}), actor)
    with transaction.atomic():
        collection = get_run_collection(name, document["collection"].get("description", ""))
        imported = []
        for entry in document["products"]:
            product, _ = Product.objects.get_or_create(
                path=entry["path"],
                defaults={
                    "collection": collection,
                    "product_type": entry["product_type"],
                    "size": entry["size"],
                    "sha256": entry["sha256"],
                    "metadata": {**entry["metadata"], "imported": True},
                },
            )
            imported.append(product)
        record_event(
            "collection_imported", f"imported {len(imported)} products into {name}", actor, subject=collection
        )
    return imported
