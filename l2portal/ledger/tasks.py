"""The kernel's task: recovery, every minute (ExecutionTask records it)."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def recover() -> dict:
    """Every minute: lost executions and lost messages sent again (ledger.services.reconcile)."""
    recovery = services.reconcile(services.Actor.system("recovery"))
    return {"lost": len(recovery.lost), "sent_again": len(recovery.resend), "relayed": recovery.relayed}
