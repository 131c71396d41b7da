"""Registry actions over the API: instruments (registered once), tags (history and changes),
export and import between sites (operators)."""

import os
import tempfile
from pathlib import Path

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from l2portal.registry import services as registry
from l2portal.registry.models import Instrument, Product, TagChange

from ...ledger import services
from ...ledger.refusals import InvalidRequest
from ...portal.api.schema import INVALID, ErrorSerializer, example
from ...portal.downloads import AnyMediaRenderer
from . import examples
from .serializers import (
    ExportRequestSerializer,
    ImportRequestSerializer,
    ImportResultSerializer,
    InstrumentSerializer,
    TagChangeSerializer,
    TagRequestSerializer,
    TagResultSerializer,
)


class InstrumentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Instruments known by short name; ingests name them, products carry them."""

    queryset = Instrument.objects.order_by("name")
    serializer_class = InstrumentSerializer
    lookup_field = "name"

    @extend_schema(
        summary="Register an instrument once (operators); another definition of it is refused",
        examples=[example("Swift XRT", examples.INSTRUMENT, request=True)],
    )
    def create(self, request, *args, **kwargs):
        body = InstrumentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        instrument = registry.register_instrument(
            data["name"],
            data["full_name"],
            data["observatory"],
            data["dimensions"],
            services.Actor.of_user(request.user),
            data.get("description", ""),
        )
        return Response(InstrumentSerializer(instrument).data, status=201)


def _products(uuids, actor) -> list[Product]:
    found = list(Product.objects.filter(uuid__in=uuids))
    missing = sorted(set(map(str, uuids)) - {str(p.uuid) for p in found})
    if missing:
        services.refuse(
            InvalidRequest(f"no product has uuid {', '.join(missing)}", details={"missing": missing}), actor
        )
    return found


class TagChangeViewSet(viewsets.ReadOnlyModelViewSet):
    """The history of TAGGED collections (append-only); add and remove change it."""

    queryset = TagChange.objects.select_related("collection", "product").order_by("at", "id")
    serializer_class = TagChangeSerializer
    filterset_fields = {"collection__name": ["exact"], "product__uuid": ["exact"], "action": ["exact"]}
    lookup_field = "uuid"

    def _change(self, request, change):
        body = TagRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actor = services.Actor.of_user(request.user)
        data = body.validated_data
        changed = change(data["collection"], _products(data["products"], actor), actor, data["reason"])
        return Response(TagResultSerializer({"collection": data["collection"], "changed": changed}).data)

    @extend_schema(
        request=TagRequestSerializer,
        responses=TagResultSerializer,
        summary="Add products to a TAGGED collection (operators); one per type and data id",
        examples=[example("Sent to the FSSC", examples.TAG, request=True)],
    )
    @action(detail=False, methods=["post"])
    def add(self, request):
        return self._change(request, registry.tag_products)

    @extend_schema(
        request=TagRequestSerializer,
        responses=TagResultSerializer,
        summary="Take products out of a TAGGED collection (operators)",
    )
    @action(detail=False, methods=["post"])
    def remove(self, request):
        return self._change(request, registry.untag_products)


class RegistryViewSet(viewsets.GenericViewSet):
    """Export and import between sites (operators), as manage.py export_registry / import_registry."""

    serializer_class = ExportRequestSerializer

    @extend_schema(
        request=ExportRequestSerializer,
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "application/x-tar"): OpenApiTypes.BINARY,
        },
        summary="Export collections (every one if none named): a versioned document, or a tarball",
        examples=[
            example("P310 with its files", {"collections": ["P310"], "with_files": True}, request=True)
        ],
    )
    @action(detail=False, methods=["post"], renderer_classes=[AnyMediaRenderer])
    def export(self, request):
        body = ExportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        names, with_files = body.validated_data["collections"], body.validated_data["with_files"]
        handle, output = tempfile.mkstemp(prefix="registry-export-")
        os.close(handle)
        output = Path(output)
        try:
            actor = services.Actor.of_user(request.user)
            registry.export_registry(names, output, actor, with_files=with_files)
        except BaseException:
            output.unlink(missing_ok=True)  # a refused or failed export leaves nothing behind
            raise
        name = "registry.tar" if with_files else "registry.json"
        response = FileResponse(
            output.open("rb"),
            as_attachment=True,
            filename=name,
            content_type="application/x-tar" if with_files else "application/json",
        )
        output.unlink()  # the open handle keeps it readable while it is sent
        return response

    @extend_schema(
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            200: ImportResultSerializer,
            400: INVALID,  # the refusal lists every problem; nothing was written
            415: OpenApiResponse(ErrorSerializer, description="not a multipart/form-data upload"),
        },
        summary="Import an export (operators): checked whole first, refused whole; twice changes nothing",
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_(self, request):
        body = ImportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        with tempfile.NamedTemporaryFile(prefix="registry-import-") as copy:
            for block in upload.chunks():
                copy.write(block)
            copy.flush()
            result = registry.import_registry(Path(copy.name), services.Actor.of_user(request.user))
        return Response(ImportResultSerializer({"written": result.written, "changed": result.changed}).data)
