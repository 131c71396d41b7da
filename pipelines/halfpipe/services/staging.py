"""Staging clean-up: a decoded chunk file is no longer needed once the version it fed is merged
and through Level 1. Files are deleted only after the database has recorded them as purged (their
rows stay, for provenance); a dry run lists them and changes nothing. Scratch folders left by a
killed decoder command go too."""

from __future__ import annotations

import shutil
import time

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from l2portal.ledger import services as ledger
from l2portal.ledger.conf import heartbeat_limit
from l2portal.ledger.services import Actor
from l2portal.registry import services as registry
from l2portal.registry.models import Product

from ... import conf, events
from ..models import ChunkEvents, MergeVersion
from .chunks import DECODE_FOLDER


def expired_staging_files():
    """Present chunk files whose run version is through Level 1."""
    through_level1 = MergeVersion.objects.filter(
        data_run=OuterRef("data_run"),
        downlink=OuterRef("chunk__downlink"),
        status=MergeVersion.Status.LEVEL1_DONE,
    )
    pieces = ChunkEvents.objects.filter(Exists(through_level1), product__status=Product.Status.PRESENT)
    return Product.objects.filter(pk__in=pieces.values("product_id")).order_by("path")


def purge_staging(actor: Actor, *, dry_run: bool = False) -> list[str]:
    """Purge the expired staging files; returns their paths (those that would go, for a dry run)."""
    with transaction.atomic():
        expired = list(expired_staging_files().select_for_update(skip_locked=True))
        paths = [product.path for product in expired]
        if dry_run or not expired:
            return paths
        Product.objects.filter(pk__in=[p.pk for p in expired]).update(
            status=Product.Status.PURGED, purged_at=timezone.now()
        )
        ledger.record_event(
            events.STAGING_PURGED,
            f"{len(paths)} decoded chunk files purged: their runs are merged and through Level 1",
            actor,
            paths=paths[:100],
        )
        transaction.on_commit(lambda: _delete(paths))
    _remove_stale_scratch()
    return paths


def _delete(paths: list[str]) -> None:
    for relative in paths:
        (registry.data_root() / relative).unlink(missing_ok=True)


def _remove_stale_scratch() -> None:
    scratch = conf.staging_root() / DECODE_FOLDER
    if not scratch.is_dir():
        return
    oldest = time.time() - 2 * heartbeat_limit().total_seconds()
    for folder in scratch.iterdir():
        if folder.stat().st_mtime < oldest:
            shutil.rmtree(folder, ignore_errors=True)
