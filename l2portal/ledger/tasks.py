"""The kernel's task: recovery, every minute (ExecutionTask records it)."""

from celery import shared_task

from . import services


@shared_task(bind=True, ignore_result=True)
def recover(self) -> dict:
    """Every minute: lost executions and lost messages sent again (ledger.services.reconcile)."""
    recovery = services.reconcile(services.Actor.of_task(self))
    return {"lost": len(recovery.lost), "sent_again": len(recovery.resend), "relayed": recovery.relayed}
