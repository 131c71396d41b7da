from l2portal.ledger.api.serializers import TrackedSerializer
from l2portal.ledger.api.views import TrackedViewSet

from .models import DataRun, Downlink, ReprocessingCampaign


class DownlinkSerializer(TrackedSerializer):
    class Meta(TrackedSerializer.Meta):
        model = Downlink
        fields = [
            "id",
            "downlink_id",
            "chunk_count",
            "state",
            "state_label",
            "state_changed_at",
            "created_at",
        ]


class DataRunSerializer(TrackedSerializer):
    class Meta(TrackedSerializer.Meta):
        model = DataRun
        fields = ["id", "run_id", "state", "state_label", "state_changed_at", "created_at"]


class ReprocessingCampaignSerializer(TrackedSerializer):
    class Meta(TrackedSerializer.Meta):
        model = ReprocessingCampaign
        fields = [
            "id",
            "name",
            "first_run",
            "last_run",
            "description",
            "state",
            "state_label",
            "state_changed_at",
            "created_at",
        ]


class DownlinkViewSet(TrackedViewSet):
    queryset = Downlink.objects.all()
    serializer_class = DownlinkSerializer
    filterset_fields = ["state", "downlink_id"]


class DataRunViewSet(TrackedViewSet):
    queryset = DataRun.objects.all()
    serializer_class = DataRunSerializer
    filterset_fields = ["state", "run_id"]


class ReprocessingCampaignViewSet(TrackedViewSet):
    queryset = ReprocessingCampaign.objects.all()
    serializer_class = ReprocessingCampaignSerializer
    filterset_fields = ["state", "name"]


def register(router) -> None:
    router.register("campaigns", ReprocessingCampaignViewSet)
    router.register("runs", DataRunViewSet)
    router.register("downlinks", DownlinkViewSet)
