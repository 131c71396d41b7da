"""Telling online monitoring that a run's Level 1 is done (HalfPipe's launchOnline): a configured
task or an HTTP POST (PIPELINES_ONLINE_HOOK), its answer recorded as an event of the run. Only a
version whose three Level-1 files (event file, 1-s and 30-s FT2) are all written and present is
told of; otherwise nobody is, and the event says which file is missing."""

from __future__ import annotations

import requests

from l2portal.ledger import services as ledger
from l2portal.ledger.execution import TransientError
from l2portal.ledger.services import Actor
from l2portal.registry.models import Product
from l2portal.unreachable import why_unreachable

from ... import conf, events
from ..models import DataRun, MergeVersion

TIMEOUT = 30  # seconds
ANSWER_KEPT = 2000  # characters of the answer recorded


def level1_files(version: MergeVersion) -> list[tuple[str, Product | None]]:
    return [
        ("event file", version.level1_ft1),
        ("1-s FT2", version.level1_ft2_1s),
        ("30-s FT2", version.level1_ft2_30s),
    ]


def online_message(run: DataRun, version: MergeVersion) -> dict:
    files = [p for _, p in level1_files(version) if p is not None]
    return {
        "run_id": run.run_id,
        "version": version.version,
        "events": version.events,
        "files": [{"path": p.path, "sha256": p.sha256, "type": p.product_type} for p in files],
    }


def notify_online(run_pk: int, version_number: int, actor: Actor) -> str:
    run = DataRun.objects.get(pk=run_pk)
    version = run.versions.select_related("level1_ft1", "level1_ft2_1s", "level1_ft2_30s").get(
        version=version_number
    )
    hook, message = conf.online_hook(), online_message(run, version)
    if not hook:
        return "no hook configured"
    missing = [
        label
        for label, product in level1_files(version)
        if product is None or product.status != Product.Status.PRESENT
    ]
    if missing:
        answer = f"not told: the {' and '.join(missing)} of {run} v{version_number:03d} not written or gone"
        ledger.record_event(
            events.ONLINE_NOT_TOLD, f"online monitoring {answer}", actor, subject=run, hook=hook
        )
        return answer
    if hook.startswith("task:"):
        intent = ledger.enqueue(hook.removeprefix("task:"), **message)
        answer = f"queued {intent.task_name} as task {intent.task_id}"
    else:
        try:
            response = requests.post(hook, json=message, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise TransientError(f"online hook {hook} unreachable: {why_unreachable(error)}") from error
        answer = f"HTTP {response.status_code}: {response.text[:ANSWER_KEPT]}"
        if response.status_code >= 500:
            raise TransientError(f"online hook {hook} answered {answer}")
    kind = events.ONLINE_REFUSED if answer.startswith("HTTP 4") else events.ONLINE_NOTIFIED
    told = f"online monitoring told of {run} v{version_number:03d}: {answer}"
    ledger.record_event(kind, told, actor, subject=run, hook=hook)
    return answer
