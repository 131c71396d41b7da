"""The step runner: every failure of a step reaches Error with its reason; transient ones retry."""

import pytest

from l2portal.ledger import services
from l2portal.ledger.execution import TransientError, recording
from l2portal.ledger.models import Execution
from tests.factories import SYSTEM, program

pytestmark = pytest.mark.django_db


def _invertible():
    op = program()
    services.transition(op, "invertible", SYSTEM)
    return op


def test_an_unexpected_exception_moves_the_object_to_error_with_its_reason_and_traceback():
    op, told = _invertible(), []

    def step(obj, actor):
        return {"frames": []}["frames"][3]

    with recording("tests.step") as execution:
        services.run_step(op, step, SYSTEM, on_error=told.append)
    op.refresh_from_db()
    assert op.state == "error"
    assert op.transitions.last().reason == "unexpected IndexError: list index out of range"
    assert told == [op]
    execution = Execution.objects.get(pk=execution.pk)
    assert execution.status == "failed" and "IndexError" in execution.log_tail
    assert "Traceback" in execution.log_tail


def test_a_step_failure_keeps_its_message_and_details():
    op = _invertible()

    def step(obj, actor):
        raise services.StepFailed("checksum mismatch on frame 12", frame=12)

    services.run_step(op, step, SYSTEM)
    failure = op.transitions.last()
    assert (failure.reason, failure.details["frame"]) == ("checksum mismatch on frame 12", 12)


def test_an_object_that_moved_on_is_left_alone():
    op = _invertible()

    def step(obj, actor):
        services.transition(obj, "not_invertible", SYSTEM, "requalified meanwhile")
        services.transition(obj, "preprocessed", SYSTEM)  # refused: the step lost the race

    services.run_step(op, step, SYSTEM)
    op.refresh_from_db()
    assert op.state == "not_invertible"


def test_a_transient_error_is_raised_for_the_task_to_retry_and_fails_on_the_last_attempt():
    op = _invertible()

    def step(obj, actor):
        raise TransientError("product store answered 503")

    with pytest.raises(TransientError):
        services.run_step(op, step, SYSTEM)  # outside a task: this is the last attempt
    op.refresh_from_db()
    assert op.state == "error"
    assert "gave up after repeated failures" in op.transitions.last().reason
