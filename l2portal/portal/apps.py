from datetime import timedelta

from .site import Periodic, PortalApp


class PortalConfig(PortalApp):
    """The site's framework: what apps declare (PortalApp) and what the site reads of it (routes,
    navigation, queues, beat), pages, tables, the API base, roles, the change log."""

    name = "l2portal.portal"
    label = "portal"
    verbose_name = "Portal: pages, tables, roles"
    # The change log and every object's retry, live part and table columns keep the addresses
    # they had when they were the registry's pages.
    url_prefix = "registry/"
    periodic = (Periodic("recover-lost-work", "l2portal.ledger.tasks.recover", timedelta(minutes=1)),)

    def ready(self):
        super().ready()
        from celery import current_app

        from .site import beat_schedule, queues

        # Every app is configured by now: the beat schedule is the union of their declarations,
        # and recovery looks for lost messages in every queue they declare.
        current_app.conf.beat_schedule = beat_schedule()
        current_app.conf.l2portal_queues = queues()
