from rest_framework import serializers

from l2portal.ledger.models import Execution, LedgerEvent
from l2portal.portal.api.fields import TrueOrFalseField
from l2portal.registry.models import Collection, Instrument, Product, TagChange


class InstrumentSerializer(serializers.ModelSerializer):
    dimensions = serializers.ListField(
        child=serializers.CharField(),
        min_length=1,
        help_text='keys of a data id, in order, e.g. ["mous", "eb"]',
    )

    class Meta:
        model = Instrument
        fields = [
            "name",
            "full_name",
            "observatory",
            "dimensions",
            "description",
            "uuid",
            "site",
            "created_at",
        ]
        read_only_fields = ["uuid", "site", "created_at"]


class CollectionSerializer(serializers.ModelSerializer):
    children = serializers.SerializerMethodField(help_text="CHAINED: the search path, in order")

    class Meta:
        model = Collection
        fields = [
            "id",
            "uuid",
            "site",
            "name",
            "kind",
            "description",
            "children",
            "host",
            "began_at",
            "ended_at",
            "software",
            "expires_at",
            "created_at",
        ]

    def get_children(self, collection) -> list[str]:
        return [link.child.name for link in collection.child_links.all()]  # prefetched, in order


class ChainSerializer(serializers.Serializer):
    name = serializers.CharField(help_text='the CHAINED collection, e.g. "FT2/current" (made if new)')
    children = serializers.ListField(
        child=serializers.CharField(), help_text="the collections it searches, in order"
    )
    description = serializers.CharField(required=False, default="", allow_blank=True)


class ExecutionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Execution
        fields = ["id", "uuid", "task_name"]


class ProductSerializer(serializers.ModelSerializer):
    collection = serializers.SlugRelatedField(slug_field="name", read_only=True)
    instrument = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    replaces = serializers.SlugRelatedField(
        slug_field="uuid", read_only=True, allow_null=True, help_text="the version this one replaced"
    )
    produced_by = ExecutionRefSerializer(read_only=True, allow_null=True)
    tags = serializers.SerializerMethodField(help_text="the TAGGED collections it is in")

    class Meta:
        model = Product
        fields = [
            "id",
            "uuid",
            "site",
            "path",
            "collection",
            "product_type",
            "instrument",
            "data_id",
            "version",
            "current",
            "replaces",
            "size",
            "sha256",
            "status",
            "metadata",
            "produced_by",
            "tags",
            "created_at",
            "purged_at",
            "purge_reason",
        ]

    def get_tags(self, product) -> list[str]:
        return sorted(member.collection.name for member in product.memberships.all())  # prefetched


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
            "uuid",
            "site",
            "task_name",
            "task_id",
            "status",
            "parameters",
            "inputs",
            "outputs",
            "subject",
            "software",
            "host",
            "worker",
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


class GraphNodeSerializer(serializers.Serializer):
    id = serializers.CharField(help_text='"product:<uuid>" or "execution:<uuid>"')
    kind = serializers.ChoiceField(choices=["product", "execution"])
    level = serializers.IntegerField(
        help_text="0 the product; negative what it was made from, positive what from it"
    )
    pk = serializers.IntegerField(help_text="this database's id")
    uuid = serializers.UUIDField()
    url = serializers.CharField(help_text="its page")
    path = serializers.CharField(required=False, help_text="products")
    product_type = serializers.CharField(required=False)
    collection = serializers.CharField(required=False)
    status = serializers.CharField()
    task_name = serializers.CharField(required=False, help_text="executions")
    host = serializers.CharField(required=False)
    parameters = serializers.JSONField(required=False)
    software = serializers.JSONField(required=False)
    started_at = serializers.DateTimeField(required=False)
    finished_at = serializers.DateTimeField(required=False, allow_null=True)
    error = serializers.CharField(required=False)


class GraphEdgeSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="node id: an input product, or the execution that wrote")
    target = serializers.CharField(help_text="node id: the execution that read it, or the product written")


class GraphSerializer(serializers.Serializer):
    root = serializers.CharField()
    depth = serializers.IntegerField()
    direction = serializers.ChoiceField(choices=["up", "down", "both"])
    truncated = serializers.BooleanField(help_text="true when it stopped at 500 nodes")
    nodes = GraphNodeSerializer(many=True)
    edges = GraphEdgeSerializer(many=True)


class TagChangeSerializer(serializers.ModelSerializer):
    collection = serializers.SlugRelatedField(slug_field="name", read_only=True)
    product = serializers.SlugRelatedField(slug_field="uuid", read_only=True)
    product_path = serializers.CharField(source="product.path", read_only=True)

    class Meta:
        model = TagChange
        fields = ["uuid", "site", "collection", "product", "product_path", "action", "at", "actor", "reason"]


class TagRequestSerializer(serializers.Serializer):
    collection = serializers.CharField(help_text="the TAGGED collection (made on first use)")
    products = serializers.ListField(child=serializers.UUIDField(), help_text="product UUIDs", min_length=1)
    reason = serializers.CharField(required=False, default="", allow_blank=True)


class TagResultSerializer(serializers.Serializer):
    collection = serializers.CharField()
    changed = serializers.IntegerField(help_text="products that joined (or left)")


class ExportRequestSerializer(serializers.Serializer):
    collections = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        allow_null=True,
        default=None,
        help_text="collection names; leave out for every collection",
    )
    with_files = TrueOrFalseField(default=False, help_text="a tarball of the document and the files")


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="an export: the JSON document, or the tarball with files")


class ImportResultSerializer(serializers.Serializer):
    written = serializers.DictField(child=serializers.IntegerField(), help_text="new records per section")
    changed = serializers.BooleanField(help_text="false when everything was here already")


class LedgerEventSerializer(serializers.ModelSerializer):
    subject = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEvent
        fields = ["id", "uuid", "site", "at", "kind", "subject", "actor", "message", "details"]

    def get_subject(self, event) -> dict | None:
        if not event.subject_type_id:
            return None
        return {"type": event.subject_type.model, "id": event.subject_id}
