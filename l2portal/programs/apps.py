from l2portal.ledger.roles import OPERATOR, SCIENTIST
from l2portal.portal.site import Card, InstrumentSpec, Measure, Nav, Periodic, PortalApp

from . import task_names


class ProgramsConfig(PortalApp):
    name = "l2portal.programs"
    label = "programs"
    verbose_name = "Observing programs (Level 2)"
    url_prefix = "programs/"
    navigation = (Nav("Observing programs", "programs:list"), Nav("Queue", "programs:queue"))
    instruments = (
        InstrumentSpec(
            "VISP",
            "Visible Spectro-Polarimeter",
            "DKIST",
            ("proposal", "dataset"),
            "DKIST ViSP Level 1 and 2",
        ),
    )
    sections = (
        Nav("Observing programs", "programs:list"),
        Nav("Queue: next up", "programs:queue"),
        Nav("Transfers", "programs:transfer-list"),
        Nav("Scans", "programs:scans"),
    )
    api = "l2portal.programs.api.urls"
    roles = (SCIENTIST, OPERATOR)
    permissions = {OPERATOR: ("programs",)}
    dashboard = (Card("programs.ObservingProgram", "programs:list"),)
    object_pages = {"programs.ObservingProgram": "programs:detail"}
    metrics = (
        Measure(
            "transfers", "Transfers by purpose and status", "programs.Transfer", by=("purpose", "status")
        ),
        Measure(
            "transfer_bytes",
            "Bytes moved by transfers, by purpose",
            "programs.Transfer",
            by=("purpose",),
            total="bytes_done",
            counter=True,
        ),
    )
    demo = "l2portal.programs.demo.load_demo"

    @property
    def periodic(self):
        from . import conf

        return (Periodic("scan-metadata-store", task_names.SCAN_METADATA_STORE, conf.scan_interval()),)
