from rest_framework import serializers

from ..models import Collection, Execution, LedgerEvent, Product

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


class CollectionSerializer(serializers.ModelSerializer):
    children = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = Collection
        fields = ["id", "name", "kind", "description", "children", "expires_at", "created_at"]


class ProductSerializer(serializers.ModelSerializer):
    collection = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "path",
            "collection",
            "product_type",
            "size",
            "sha256",
            "status",
            "metadata",
            "produced_by",
            "created_at",
            "purged_at",
        ]


class ProductRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "path", "product_type", "sha256"]


class ExecutionSerializer(serializers.ModelSerializer):
    inputs = ProductRefSerializer(many=True, read_only=True)
    outputs = ProductRefSerializer(many=True, read_only=True)
    subject = serializers.SerializerMethodField()

    class Meta:
        model = Execution
        fields = [
            "id",
            "task_name",
            "task_id",
            "status",
            "parameters",
            "inputs",
            "outputs",
            "subject",
            "software",
            "host",
            "pid",
            "started_at",
            "finished_at",
            "error",
            "log_tail",
        ]

    def get_subject(self, execution) -> dict | None:
        if not execution.subject_type_id:
            return None
        return {"type": execution.subject_type.model, "id": execution.subject_id}


class ProvenanceSerializer(serializers.Serializer):
    product = ProductSerializer()
    produced_by = ExecutionSerializer(allow_null=True)


class LedgerEventSerializer(serializers.ModelSerializer):
    subject = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEvent
        fields = ["id", "at", "kind", "subject", "actor", "message", "details"]

    def get_subject(self, event) -> dict | None:
        if not event.subject_type_id:
            return None
        return {"type": event.subject_type.model, "id": event.subject_id}
