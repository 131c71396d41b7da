"""Resuming the Level 1 of a run held for want of a livetime source, once the source has it (a
livetime table registered, a command configured): an operator's decision, as a retry is."""

from __future__ import annotations

from l2portal.ledger import services as ledger
from l2portal.ledger.refusals import Refused
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor
from l2portal.ledger.services.refusing import atomic_refusing

from ... import task_names
from ..models import DataRun
from ..selectors import HELD


class RunNotHeld(Refused):
    """Only a run held without a livetime source resumes its Level 1."""

    code = "run_not_held"


def resume_level1(run_pk: int, actor: Actor) -> DataRun:
    with atomic_refusing(actor):
        run = DataRun.objects.select_for_update().get(pk=run_pk)
        ledger.require_role(actor, OPERATOR, to=f"resume the Level 1 of {run}", subject=run)
        if run.state != HELD:
            ledger.refuse(
                RunNotHeld(
                    f"{run} is {run.state_label}, not held for a livetime source: nothing to resume; "
                    "a run in Error is retried instead",
                    details={"run_id": run.run_id, "state": run.state},
                ),
                actor,
                run,
            )
        ledger.transition(run, "level1_running", actor, "Level 1 resumed")
        ledger.enqueue(task_names.LEVEL1_RUN, run.pk, waiting=run)
    return run
