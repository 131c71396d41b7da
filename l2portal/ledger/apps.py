from datetime import timedelta

from .portal import Periodic, PortalApp
from .roles import OPERATOR


class LedgerConfig(PortalApp):
    name = "l2portal.ledger"
    label = "ledger"
    verbose_name = "Ledger: history, products, provenance"
    api = "l2portal.ledger.api.urls"
    roles = (OPERATOR,)
    # Operators steer everything in the admin, including the FSSC's API token.
    permissions = {OPERATOR: ("ledger", "authtoken")}
    periodic = (
        Periodic("purge-expired-collections", "l2portal.ledger.tasks.purge_expired", timedelta(hours=1)),
        Periodic("recover-lost-work", "l2portal.ledger.tasks.recover", timedelta(minutes=1)),
    )

    def ready(self):
        super().ready()
        from celery import current_app
        from django.db.models.signals import post_migrate

        from . import database, worker
        from .portal import beat_schedule

        # Every app is configured by now: the beat schedule is the union of their declarations.
        current_app.conf.beat_schedule = beat_schedule()
        worker.connect()
        post_migrate.connect(database.after_migrate, sender=self, dispatch_uid="ledger-history-guards")
