"""Verifying a registered input where a step reads it: its file streamed once and compared with
its registration (size and sha256) before the step reads anything from it. A file that is missing
or differs fails the step (``InputChanged``, a StepFailed: ``run_step`` moves the object to Error
with the reason) naming the file, both checksums and what to do, and is recorded as an event."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from l2portal.files import sha256_file

from ...ledger.services.actors import Actor
from ...ledger.services.events import describe, record_event
from ...ledger.services.steps import StepFailed
from ..events import INPUT_CHANGED
from ..models import Product
from .products import absolute_path, file_problem

REMEDY = "fetch the file again and register it again, then retry"


class InputChanged(StepFailed):
    """A registered input's file is missing or no longer what was registered; nothing was read from it."""


def copy_damaged(relative: str) -> bool:
    """Whether the current product at ``relative`` no longer has its registered size and sha256:
    registering its source again then writes it as a new version (``write_product(force=True)``)."""
    product = Product.objects.filter(path=relative, status=Product.Status.PRESENT, current=True).first()
    return product is not None and file_problem(product) is not None


def verify_inputs(
    products: Iterable[Product | None], actor: Actor, *, subject=None, remedy: str = REMEDY
) -> None:
    """Verify each product's file once (None and repeats skipped); ``subject`` is the object whose
    step reads them, ``remedy`` what to do about a file that differs."""
    seen = set()
    for product in products:
        if product is None or product.pk in seen:
            continue
        seen.add(product.pk)
        verify_file(
            product.path,
            absolute_path(product),
            product.size,
            product.sha256,
            actor,
            subject=subject,
            remedy=remedy,
            product=product,
        )


def verify_file(
    name: str,
    path: str | os.PathLike,
    size: int,
    sha256: str,
    actor: Actor,
    *,
    subject=None,
    remedy: str = REMEDY,
    product: Product | None = None,
) -> str:
    """Verify one file registered with ``size`` and ``sha256`` (an empty sha256: the size only);
    returns the sha256 found. The event's subject is ``product`` if given, else ``subject``."""
    path = Path(path)
    if not path.is_file():
        found_size, found = None, ""
        state = "is missing on disk"
    else:
        found_size, found = path.stat().st_size, sha256_file(path)
        if found_size == size and (not sha256 or found == sha256):
            return found
        state = f"has {found_size:,} bytes with sha256 {found or '-'}"
    message = (
        f"input {name} {state}; it was registered with {size:,} bytes and sha256 {sha256 or '(none given)'}: "
        f"{remedy}"
    )
    details = {
        "path": name,
        "registered_size": size,
        "registered_sha256": sha256,
        "found_size": found_size,
        "found_sha256": found,
    }
    used_by = describe(subject) if subject is not None else ""
    record_event(
        INPUT_CHANGED,
        message + (f" (read by {used_by})" if used_by else ""),
        actor,
        subject=product if product is not None else subject,
        used_by=used_by,
        **details,
    )
    raise InputChanged(message, **{"input_" + key: value for key, value in details.items()})
