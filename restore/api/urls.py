"""The restore API's routes (read through PortalApp.api)."""

from . import views


def register(router) -> None:
    router.register("restores", views.RestoreRequestViewSet)
