from django.apps import AppConfig


class LedgerConfig(AppConfig):
    """The workflow kernel: state machines with append-only history, executions, the outbox and
    recovery. It declares no pages: the registry and the portal show its objects."""

    name = "l2portal.ledger"
    label = "ledger"
    verbose_name = "Ledger: history, executions, outbox"

    def ready(self):
        from django.db.models.signals import post_migrate, pre_migrate

        from . import change_view, database, tasks, worker  # noqa: F401 (tasks: registered by name)

        worker.connect()
        pre_migrate.connect(change_view.drop_change_view, sender=self, dispatch_uid="ledger-change-view-drop")
        # Before the history guards and grants, so the portal's role is granted the view too.
        post_migrate.connect(change_view.install_change_view, sender=self, dispatch_uid="ledger-change-view")
        post_migrate.connect(database.after_migrate, sender=self, dispatch_uid="ledger-history-guards")
