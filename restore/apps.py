from datetime import timedelta

from l2portal.ledger.roles import OPERATOR, SCIENTIST
from l2portal.portal.site import Card, InstrumentSpec, Nav, Periodic, PortalApp

from . import task_names


class RestoreConfig(PortalApp):
    name = "restore"
    verbose_name = "Restores (ALMA MOUS)"
    url_prefix = "restores/"
    navigation = (Nav("Restores", "restore:list"),)
    instruments = (
        InstrumentSpec(
            "ALMA",
            "Atacama Large Millimeter/submillimeter Array",
            "ALMA",
            ("mous", "eb"),
            "ALMA MOUS restores",
        ),
    )
    api = "restore.api.urls"
    queues = {"restore": ("restore.tasks.*",)}
    roles = (SCIENTIST, OPERATOR)
    permissions = {OPERATOR: ("restore",)}
    dashboard = (Card("restore.RestoreRequest", "restore:list"),)
    object_pages = {"restore.RestoreRequest": "restore:detail"}
    periodic = (Periodic("restore watchers", task_names.SEND_WATCHERS, timedelta(minutes=1)),)
    demo = "restore.demo.load_demo"
