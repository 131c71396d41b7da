from datetime import timedelta

from .portal import Nav, Periodic, PortalApp
from .roles import OPERATOR


class LedgerConfig(PortalApp):
    name = "l2portal.ledger"
    label = "ledger"
    verbose_name = "Ledger: history, products, provenance"
    url_prefix = "registry/"
    navigation = (Nav("Registry", "ledger:collections"),)
    api = "l2portal.ledger.api.urls"
    roles = (OPERATOR,)
    object_pages = {
        "ledger.Collection": "ledger:collection",
        "ledger.Product": "ledger:product",
        "ledger.Execution": "ledger:execution",
    }
    # Operators steer everything in the admin, including the FSSC's API token.
    permissions = {OPERATOR: ("ledger", "authtoken")}
    periodic = (
        # Retention rules (and collections past their expiry): files go, rows and provenance stay.
        Periodic("purge-expired-collections", "l2portal.ledger.tasks.purge_expired", timedelta(hours=1)),
        Periodic("recover-lost-work", "l2portal.ledger.tasks.recover", timedelta(minutes=1)),
    )
    demo = "l2portal.ledger.demo.load_demo"

    def ready(self):
        super().ready()
        from celery import current_app
        from django.db.models.signals import post_migrate, pre_migrate

        from . import change_view, database, worker
        from .portal import beat_schedule

        # Every app is configured by now: the beat schedule is the union of their declarations.
        current_app.conf.beat_schedule = beat_schedule()
        worker.connect()
        pre_migrate.connect(change_view.drop_change_view, sender=self, dispatch_uid="ledger-change-view-drop")
        # Before the history guards and grants, so the portal's role is granted the view too.
        post_migrate.connect(change_view.install_change_view, sender=self, dispatch_uid="ledger-change-view")
        post_migrate.connect(database.after_migrate, sender=self, dispatch_uid="ledger-history-guards")
        post_migrate.connect(seed_instruments, sender=self, dispatch_uid="ledger-seed-instruments")


def seed_instruments(sender, using="default", **kwargs) -> None:
    """post_migrate (also after a test flush): the instruments the domains ingest from."""
    from .services import seed_instruments

    seed_instruments(using)
