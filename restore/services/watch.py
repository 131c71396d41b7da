"""Whether the task watching a running restore is still there, and new watchers for those whose
task died (a worker killed): the pipeline runs on in its own process group, and a new watcher adopts
it or records how it ended."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from l2portal.ledger import conf as ledger_conf
from l2portal.ledger import services as ledger
from l2portal.ledger.services import Actor
from restore.science import runner

from .. import events, task_names
from ..models import RestoreRequest

# A watcher beats every few seconds; this long without a beat, it is gone.
HEARTBEAT_STALE = timedelta(minutes=2)


def watcher_lost(request: RestoreRequest) -> bool:
    """No beat for HEARTBEAT_STALE, or the watching process is known dead (same host)."""
    if request.heartbeat_at is None or timezone.now() - request.heartbeat_at > HEARTBEAT_STALE:
        return True
    same_host = request.host == ledger_conf.host_name()
    return same_host and bool(request.watcher_pid) and not runner.process_alive(request.watcher_pid)


def send_watchers(actor: Actor) -> list[int]:
    """Start a new watcher for every running restore whose watcher is gone (beat, every minute)."""
    lost = [request for request in RestoreRequest.objects.filter(state="running") if watcher_lost(request)]
    for request in lost:
        ledger.record_event(
            events.RESTORE_WATCHER_LOST,
            f"nothing watches the pipeline of {request} (pid {request.pid} on {request.host or 'no host'}); "
            "a new watcher is sent",
            actor,
            subject=request,
        )
        ledger.enqueue(task_names.RUN, request.pk, waiting=request)
    return [request.pk for request in lost]
