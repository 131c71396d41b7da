"""Bad Time Interval sets: a new version per submission, the latest submitted one is active."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from l2portal.ledger import services as ledger
from l2portal.ledger.refusals import InvalidRequest
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor

from ... import events
from ...halfpipe.models import DataRun
from ...science import bti
from ..models import BtiInterval, BtiSet


class BtiRefused(InvalidRequest):
    """A BTI set that cannot be stored (unknown run, no or malformed intervals); nothing changed."""

    code = "bti_set_refused"


def submit_bti_set(run_id: int, intervals: list[dict], actor: Actor, reason: str = "") -> BtiSet:
    """Store and submit a new version of the run's BTI set; it becomes the active one."""
    ledger.require_role(actor, OPERATOR, to=f"submit BTI sets (run {run_id})")
    data_run = DataRun.objects.filter(run_id=run_id).first()
    problems = [] if data_run else [f"no data run r{run_id:010d}"]
    parsed = []
    if not intervals:
        problems.append("a BTI set needs at least one interval")
    for number, entry in enumerate(intervals, start=1):
        try:
            parsed.append(bti.BadTimeInterval(float(entry["start"]), float(entry["stop"]), entry["value"]))
        except (KeyError, TypeError, ValueError) as error:
            problems.append(f"interval {number}: {error}")
    if problems:
        message = f"BTI set for run {run_id} refused: {'; '.join(problems)}; correct it and submit it again"
        ledger.refuse(BtiRefused(message, details={"problems": problems}), actor, data_run)
    with transaction.atomic():
        DataRun.objects.select_for_update().filter(pk=data_run.pk).get()  # one new version at a time
        latest = data_run.bti_sets.order_by("-version").values_list("version", flat=True).first() or 0
        bti_set = BtiSet.objects.create(
            data_run=data_run,
            version=latest + 1,
            creator=actor.user,
            creator_label=actor.label,
            reason=reason,
            submitted_at=timezone.now(),
        )
        BtiInterval.objects.bulk_create(
            BtiInterval(bti_set=bti_set, start=i.start, stop=i.stop, value=int(i.value)) for i in parsed
        )
        ledger.record_event(
            events.BTI_SET_SUBMITTED,
            f"{bti_set} submitted with {len(parsed)} intervals",
            actor,
            subject=data_run,
            bti_set=bti_set.pk,
            version=bti_set.version,
        )
    return bti_set
