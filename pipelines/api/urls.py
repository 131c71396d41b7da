"""The pipelines API's routes, registered on the portal's router (PortalApp.api)."""

from .downlink_views import ChunkViewSet, DataRunViewSet, DownlinkViewSet
from .switchover_views import SwitchoverViewSet
from .views import BtiSetViewSet, CampaignRunViewSet, FsscProductViewSet, ReprocessingCampaignViewSet


def register(router) -> None:
    router.register("campaigns", ReprocessingCampaignViewSet)
    router.register("campaign-runs", CampaignRunViewSet)
    router.register("bti-sets", BtiSetViewSet)
    router.register("fssc/products", FsscProductViewSet, basename="fssc-product")
    router.register("switchovers", SwitchoverViewSet)
    router.register("runs", DataRunViewSet)
    router.register("downlinks", DownlinkViewSet)
    router.register("chunks", ChunkViewSet)
