from l2portal.ledger.api.serializers import TrackedSerializer
from l2portal.ledger.api.views import TrackedViewSet

from .models import RestoreRequest


class RestoreRequestSerializer(TrackedSerializer):
    class Meta(TrackedSerializer.Meta):
        model = RestoreRequest
        fields = [
            "id",
            "mous_uid",
            "requested_by",
            "restorable",
            "restorable_reason",
            "state",
            "state_label",
            "state_changed_at",
            "created_at",
        ]


class RestoreRequestViewSet(TrackedViewSet):
    queryset = RestoreRequest.objects.all()
    serializer_class = RestoreRequestSerializer
    filterset_fields = ["state", "mous_uid", "requested_by"]


def register(router) -> None:
    router.register("restores", RestoreRequestViewSet)
