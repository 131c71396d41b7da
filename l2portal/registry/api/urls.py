"""The ledger's API routes (read through PortalApp.api)."""

from . import registry, views


def register(router) -> None:
    router.register("collections", views.CollectionViewSet)
    router.register("products", views.ProductViewSet)
    router.register("executions", views.ExecutionViewSet)
    router.register("events", views.LedgerEventViewSet)
    router.register("instruments", registry.InstrumentViewSet)
    router.register("tag-changes", registry.TagChangeViewSet)
    router.register("registry", registry.RegistryViewSet, basename="registry")
