"""The observing-program API routes, registered on the site's router (PortalApp.api)."""

from . import views


def register(router) -> None:
    router.register("programs", views.ObservingProgramViewSet)
    router.register("datasets", views.DatasetViewSet)
    router.register("scans", views.ScanViewSet)
    router.register("transfers", views.TransferViewSet)
    router.register("qualification-rules", views.QualificationRuleSetViewSet)
