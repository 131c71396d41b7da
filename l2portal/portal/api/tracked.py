"""The API of every tracked model: its state's label, its append-only history, and retry for
operators (a domain's viewset and serializer subclass these)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from l2portal.ledger import services

TRANSITION_FIELDS = [
    "id",
    "from_state",
    "to_state",
    "at",
    "actor",
    "actor_task",
    "actor_task_id",
    "reason",
    "details",
]


class TransitionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.CharField()
    actor_task = serializers.CharField()
    actor_task_id = serializers.CharField()
    reason = serializers.CharField()
    details = serializers.JSONField()


class TrackedSerializer(serializers.ModelSerializer):
    """Base for every tracked model's serializer: adds the state's label."""

    state_label = serializers.CharField(read_only=True)

    class Meta:
        read_only_fields = ["state", "state_changed_at", "created_at"]


class TrackedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Read a tracked model, its append-only history, and let operators retry failed items."""

    @extend_schema(responses=TransitionSerializer(many=True), summary="State history, oldest first")
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        page = self.paginate_queryset(self.get_object().transitions.select_related(None))
        return self.get_paginated_response(TransitionSerializer(page, many=True).data)

    @extend_schema(
        request=None,
        responses=TransitionSerializer,
        summary="Retry a failed item from the step that failed (operators)",
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        row = services.retry(self.get_object(), services.Actor.of_user(request.user))
        return Response(TransitionSerializer(row).data)
