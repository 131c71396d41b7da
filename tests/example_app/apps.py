"""The smallest portal app: it only declares itself. tests/test_portal_apps.py installs it and
checks that the site picks every declaration up without any other file changing."""

from datetime import timedelta

from l2portal.portal.site import InstrumentSpec, Nav, Periodic, PortalApp

OBSERVER = "observer"


class ExampleConfig(PortalApp):
    name = "tests.example_app"
    label = "example_app"
    verbose_name = "Example"
    url_prefix = "example/"
    navigation = (Nav("Example things", "example_app:index"),)
    api = "tests.example_app.api"
    queues = {"crunch": ("tests.example_app.tasks.crunch_*",)}
    roles = (OBSERVER,)
    permissions = {OBSERVER: ("ledger",)}
    periodic = (Periodic("example-tick", "tests.example_app.tasks.crunch_tick", timedelta(minutes=5)),)
    instruments = (
        InstrumentSpec("XRT", "X-Ray Telescope", "Swift", ("obsid",), "an observatory of its own"),
    )
