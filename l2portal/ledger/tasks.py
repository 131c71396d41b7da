"""Ledger tasks: thin wrappers over ledger.services; each records an Execution (ExecutionTask)."""

from celery import shared_task

from l2portal.files import sha256_file

from . import services
from .execution import current_execution
from .models import Collection, Product


@shared_task
def export_collection(collection_id: int) -> int:
    """Write a collection's export document as a product; idempotent (named by its content)."""
    collection = Collection.objects.get(pk=collection_id)
    current_execution().inputs.add(*collection.products.exclude(product_type="export"))
    return services.export_collection(collection).pk


@shared_task
def verify_product(product_id: int) -> bool:
    """Fixity check: does the file on disk still have its registered sha256?"""
    product = Product.objects.get(pk=product_id)
    current_execution().inputs.add(product)
    path = services.absolute_path(product)
    ok = path.is_file() and sha256_file(path) == product.sha256
    if not ok:
        services.record_event(
            "fixity_failed",
            f"{product.path} is missing or its sha256 changed",
            services.Actor.system("fixity check"),
            subject=product,
        )
    return ok


@shared_task(ignore_result=True)
def purge_expired() -> dict:
    """Every hour: the retention rules applied (ledger.services.purge_expired)."""
    plan = services.purge_expired(services.Actor.system("scheduled purge"))
    return {reason: len(paths) for reason, paths in plan.by_reason.items()}


@shared_task(ignore_result=True)
def recover() -> dict:
    """Every minute: lost executions and lost messages sent again (ledger.services.reconcile)."""
    recovery = services.reconcile(services.Actor.system("recovery"))
    return {"lost": len(recovery.lost), "sent_again": len(recovery.resend), "relayed": recovery.relayed}
