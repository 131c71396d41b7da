"""Small builders shared by the tests."""

from django.contrib.auth import get_user_model

from l2portal.ledger import services
from l2portal.ledger.events import EventKind, declare
from l2portal.portal.roles_setup import ensure_user
from l2portal.programs.models import ObservingProgram
from l2portal.registry import services as registry


def program(execution_id="eid_1_1_op_001", **fields) -> ObservingProgram:
    return ObservingProgram.objects.create(execution_id=execution_id, proposal_id="pid_1_1", **fields)


def user(username, role):
    return ensure_user(username, role, username)[0]


def superuser(username="root"):
    return get_user_model().objects.create_superuser(username, f"{username}@example.org", username)


# An event kind of the tests' own, for history they write directly.
NOTE = EventKind("note", "Note (tests)")
declare(NOTE)
SYSTEM = services.Actor.system("test")


def one_of_each_tracked_model() -> list:
    """One object of every tracked model, for tests that must touch every history table."""
    from pipelines.models import Chunk, DataRun, Downlink, ReprocessingCampaign
    from restore.models import RestoreRequest

    downlink = Downlink.objects.create(downlink_id=230401001, chunk_count=1)
    return [
        program("eid_each"),
        downlink,
        Chunk.objects.create(downlink=downlink, number=1),
        DataRun.objects.create(run_id=545208791),
        ReprocessingCampaign.objects.create(name="P999", collection=registry.get_run_collection("P999")),
        RestoreRequest.objects.create(mous_uid="uid://A001/X12a3/X80e"),
    ]
