from rest_framework import viewsets
from rest_framework.response import Response


class ThingViewSet(viewsets.ViewSet):
    def list(self, request):
        return Response([])


def register(router) -> None:
    router.register("example-things", ThingViewSet, basename="example-thing")
