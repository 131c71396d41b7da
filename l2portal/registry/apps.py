from datetime import timedelta

from l2portal.ledger.roles import OPERATOR
from l2portal.portal.site import Nav, Periodic, PortalApp


class RegistryConfig(PortalApp):
    name = "l2portal.registry"
    label = "registry"
    verbose_name = "Registry: products, collections, provenance"
    url_prefix = "registry/"
    navigation = (Nav("Registry", "registry:collections"),)
    sections = (
        Nav("Collections", "registry:collections"),
        Nav("Search products", "registry:search"),
        Nav("Executions", "registry:executions"),
        Nav("Change log", "registry:changes"),
        Nav("Products API", "api-docs", fragment="#/products"),
    )
    api = "l2portal.registry.api.urls"
    roles = (OPERATOR,)
    object_pages = {
        "ledger.Collection": "registry:collection",
        "ledger.Product": "registry:product",
        "ledger.Execution": "registry:execution",
    }
    # Operators steer everything in the admin, including the FSSC's API token.
    permissions = {OPERATOR: ("ledger", "authtoken")}
    periodic = (
        # Retention rules (and collections past their expiry): files go, rows and provenance stay.
        Periodic("purge-expired-collections", "l2portal.registry.tasks.purge_expired", timedelta(hours=1)),
    )
    demo = "l2portal.registry.demo.load_demo"

    def ready(self):
        super().ready()
        from django.db.models.signals import post_migrate

        # The registry's tables are migrated with the ledger's app (their label), so this hook
        # listens to the ledger's migrations (also after a test flush).
        post_migrate.connect(seed_instruments, dispatch_uid="registry-seed-instruments")


def seed_instruments(sender, using="default", **kwargs) -> None:
    """post_migrate: the instruments the domains ingest from."""
    if sender.label != "ledger":
        return
    from .services import seed_instruments

    seed_instruments(using)
