"""Downlinks (only tracked so far): a received downlink registered with its chunks."""

from __future__ import annotations

from django.db import transaction

from l2portal.ledger import services as ledger
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor

from ..models import Chunk, Downlink


def register_downlink(downlink_id: int, chunk_count: int, actor: Actor) -> Downlink:
    """Register a downlink split into ``chunk_count`` pending chunks, moved to chunked; a
    downlink registered before is returned as it is."""
    ledger.require_role(actor, OPERATOR, to=f"register downlinks ({downlink_id})")
    with transaction.atomic():
        downlink, created = Downlink.objects.get_or_create(
            downlink_id=downlink_id, defaults={"chunk_count": chunk_count}
        )
        if created:
            Chunk.objects.bulk_create(
                Chunk(downlink=downlink, number=n, state=Chunk.machine.initial)
                for n in range(1, chunk_count + 1)
            )
            ledger.transition(downlink, "chunked", actor, f"split into {chunk_count} chunks")
    return downlink
