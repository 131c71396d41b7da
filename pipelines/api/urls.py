"""The pipelines API's routes, registered on the portal's router (PortalApp.api)."""

from ..ft2.api.bti_sets import BtiSetViewSet
from ..ft2.api.campaign_runs import CampaignRunViewSet
from ..ft2.api.campaigns import ReprocessingCampaignViewSet
from ..ft2.api.fssc_products import FsscProductViewSet
from ..ft2.api.switchovers import SwitchoverViewSet
from ..halfpipe.api.chunks import ChunkViewSet
from ..halfpipe.api.data_runs import DataRunViewSet
from ..halfpipe.api.downlinks import DownlinkViewSet


def register(router) -> None:
    router.register("campaigns", ReprocessingCampaignViewSet)
    router.register("campaign-runs", CampaignRunViewSet)
    router.register("bti-sets", BtiSetViewSet)
    router.register("fssc/products", FsscProductViewSet, basename="fssc-product")
    router.register("switchovers", SwitchoverViewSet)
    router.register("runs", DataRunViewSet)
    router.register("downlinks", DownlinkViewSet)
    router.register("chunks", ChunkViewSet)
