from datetime import timedelta

from l2portal.ledger.roles import FSSC, OPERATOR
from l2portal.portal.site import Card, InstrumentSpec, Measure, Nav, Periodic, PortalApp


class PipelinesConfig(PortalApp):
    name = "pipelines"
    verbose_name = "Pipelines (Fermi ISOC)"
    url_prefix = "pipelines/"
    navigation = (Nav("Campaigns", "pipelines:campaigns"), Nav("Downlinks", "pipelines:downlinks"))
    instruments = (
        InstrumentSpec(
            "LAT",
            "Fermi Large Area Telescope",
            "Fermi",
            ("run",),
            "Fermi LAT: FT1/FT2 and magic7 per data run",
        ),
    )
    sections = (
        Nav("Campaigns", "pipelines:campaigns"),
        Nav("Campaign runs", "pipelines:runs"),
        Nav("BTI sets", "pipelines:bti-sets"),
        Nav("FSSC deliveries", "pipelines:fssc-deliveries"),
        Nav("Downlinks", "pipelines:downlinks"),
        Nav("Chunks", "pipelines:chunks"),
        Nav("Data runs", "pipelines:data-runs"),
        Nav("Switchover", "pipelines:switchovers"),
        Nav("FSSC API", "api-docs"),
    )
    api = "pipelines.api.urls"
    # FT2 generation and chunk decoding on "fits", event merging on "merge": each can have its own
    # workers and hosts.
    # The scan of the incoming root does not wait behind FT2 work.
    queues = {
        "fits": ("pipelines.tasks.*",),
        "merge": ("pipelines.tasks.merge_*",),
        "default": ("pipelines.tasks.scan_incoming",),
    }
    roles = (OPERATOR, FSSC)
    permissions = {OPERATOR: ("pipelines",)}
    dashboard = (
        Card("pipelines.ReprocessingCampaign", "pipelines:campaigns"),
        Card("pipelines.CampaignRun", "pipelines:runs"),
        Card("pipelines.FsscDelivery", "pipelines:fssc-deliveries"),
        Card("pipelines.Downlink", "pipelines:downlinks"),
        Card("pipelines.Chunk", "pipelines:chunks"),
        Card("pipelines.DataRun", "pipelines:data-runs"),
    )
    object_pages = {
        "pipelines.ReprocessingCampaign": "pipelines:campaign",
        "pipelines.CampaignRun": "pipelines:run",
        "pipelines.Downlink": "pipelines:downlink",
    }
    metrics = (
        Measure(
            "fssc_deliveries",
            "Products offered to the FSSC by outcome (ready, transferred, ingested, failed, error)",
            "pipelines.FsscDelivery",
            by=("state",),
        ),
    )
    demo = "pipelines.demo.load_demo"

    @property
    def periodic(self):
        from . import conf, task_names

        return (
            Periodic("purge-halfpipe-staging", task_names.PURGE_STAGING, timedelta(hours=1)),
            Periodic("scan-incoming-downlinks", task_names.SCAN_INCOMING, conf.incoming_scan_interval()),
        )

    def ready(self):
        super().ready()
        from . import checks  # noqa: F401  (registers the deploy checks)
