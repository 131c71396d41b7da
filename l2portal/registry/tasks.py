"""Registry tasks: thin wrappers over registry.services; each records an Execution (ExecutionTask)."""

from celery import shared_task

from l2portal.ledger.execution import current_execution
from l2portal.ledger.services import Actor

from . import services
from .models import Collection


@shared_task
def export_collection(collection_id: int) -> int:
    """Write a collection's export document as a product; idempotent (named by its content)."""
    collection = Collection.objects.get(pk=collection_id)
    current_execution().inputs.add(*collection.products.exclude(product_type="export"))
    return services.export_collection(collection).pk


@shared_task(ignore_result=True)
def purge_expired() -> dict:
    """Every hour: the retention rules applied (registry.services.purge_expired)."""
    plan = services.purge_expired(Actor.system("scheduled purge"))
    return {reason: len(paths) for reason, paths in plan.by_reason.items()}
