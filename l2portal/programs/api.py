from l2portal.ledger.api.serializers import TrackedSerializer
from l2portal.ledger.api.views import TrackedViewSet

from .models import ObservingProgram


class ObservingProgramSerializer(TrackedSerializer):
    class Meta(TrackedSerializer.Meta):
        model = ObservingProgram
        fields = [
            "id",
            "execution_id",
            "proposal_id",
            "experiment_id",
            "instruments",
            "priority",
            "owner",
            "ready_at",
            "state",
            "state_label",
            "state_changed_at",
            "created_at",
        ]


class ObservingProgramViewSet(TrackedViewSet):
    queryset = ObservingProgram.objects.all()
    serializer_class = ObservingProgramSerializer
    filterset_fields = ["state", "proposal_id", "owner"]
    ordering_fields = ["priority", "created_at", "state_changed_at", "execution_id"]


def register(router) -> None:
    router.register("programs", ObservingProgramViewSet)
