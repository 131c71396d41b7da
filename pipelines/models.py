"""The pipelines app's models, where Django looks for them: HalfPipe's (downlinks, chunks, data runs,
merge versions, magic7 inputs) and the FT2 campaigns' (campaigns, campaign runs, BTI sets, FSSC
deliveries and file lists, switchovers)."""

from .ft2.models import (
    BtiInterval,
    BtiSet,
    CampaignRun,
    CampaignRunTransition,
    FsscDelivery,
    FsscDeliveryTransition,
    FsscHeldFile,
    ReprocessingCampaign,
    ReprocessingCampaignTransition,
    Switchover,
    SwitchoverTransition,
)
from .halfpipe.models import (
    Chunk,
    ChunkEvents,
    ChunkTransition,
    DataRun,
    DataRunTransition,
    Downlink,
    DownlinkTransition,
    IncomingFolder,
    Magic7Input,
    MergeVersion,
)

__all__ = [
    "BtiInterval",
    "BtiSet",
    "CampaignRun",
    "CampaignRunTransition",
    "Chunk",
    "ChunkEvents",
    "ChunkTransition",
    "DataRun",
    "DataRunTransition",
    "Downlink",
    "DownlinkTransition",
    "FsscDelivery",
    "FsscDeliveryTransition",
    "FsscHeldFile",
    "IncomingFolder",
    "Magic7Input",
    "MergeVersion",
    "ReprocessingCampaign",
    "ReprocessingCampaignTransition",
    "Switchover",
    "SwitchoverTransition",
]
