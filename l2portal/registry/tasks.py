"""Registry tasks: thin wrappers over registry.services; each records an Execution (ExecutionTask)."""

from celery import shared_task

from l2portal.ledger.execution import current_execution
from l2portal.ledger.services import Actor

from . import services
from .models import Collection


@shared_task(bind=True)
def export_collection(self, collection_id: int) -> int:
    """Write a collection's export document as a product; idempotent (named by its content)."""
    collection = Collection.objects.get(pk=collection_id)
    current_execution().inputs.add(*collection.products.exclude(product_type="export"))
    return services.export_collection(collection).pk


@shared_task(bind=True, ignore_result=True)
def purge_expired(self) -> dict:
    """Every hour: the retention rules applied (registry.services.purge_expired)."""
    plan = services.purge_expired(Actor.of_task(self))
    return {reason: len(paths) for reason, paths in plan.by_reason.items()}
