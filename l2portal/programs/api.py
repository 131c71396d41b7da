"""API of observing programs, their datasets and scans; actions call services (roles per action)."""

import django_filters
from django.db import connection
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from l2portal.ledger.api.serializers import TrackedSerializer
from l2portal.ledger.api.views import TrackedViewSet
from l2portal.ledger.roles import OPERATOR, SCIENTIST

from . import services
from .models import Dataset, Inversion, ObservingProgram, QualificationRuleSet, Scan


class ObservingProgramSerializer(TrackedSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta(TrackedSerializer.Meta):
        model = ObservingProgram
        fields = [
            "id",
            "execution_id",
            "proposal_id",
            "experiment_id",
            "instruments",
            "instrument_program_ids",
            "spectral_lines",
            "dataset_count",
            "priority",
            "owner",
            "last_changed",
            "ready_at",
            "invertible",
            "qualification",
            "qualified_at",
            "rules_version",
            "progress",
            "notes",
            "state",
            "state_label",
            "state_changed_at",
            "created_at",
        ]
        read_only_fields = fields


class DatasetSerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="execution_id", read_only=True)

    class Meta:
        model = Dataset
        exclude = ["fingerprint"]


class ScanSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="running, succeeded or failed")

    class Meta:
        model = Scan
        fields = "__all__"


class QualificationRuleSetSerializer(serializers.ModelSerializer):
    class Meta:
        model = QualificationRuleSet
        fields = "__all__"


class InversionSerializer(serializers.ModelSerializer):
    datasets = serializers.SlugRelatedField(slug_field="dataset_id", many=True, read_only=True)
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    inversion_id = serializers.CharField(read_only=True)

    class Meta:
        model = Inversion
        fields = [
            "id",
            "inversion_id",
            "uploaded_by",
            "uploaded_at",
            "software_commit",
            "datasets",
            "quantities",
            "fit_profiles",
            "original_profiles",
            "summary",
            "published_at",
            "store_answer",
        ]


class ReassignSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="the scientist who takes the program over")


class PrioritySerializer(serializers.Serializer):
    priority = serializers.IntegerField(help_text="higher comes first in the scientists' queue")


class NotesSerializer(serializers.Serializer):
    notes = serializers.CharField(allow_blank=True)


class UploadSerializer(serializers.Serializer):
    quantities = serializers.FileField(help_text="inverted quantities (quantity, depth, y, x)")
    fit_profiles = serializers.FileField(
        help_text="fitted profiles (stokes, wavelength, y, x) + 2 extensions"
    )
    original_profiles = serializers.FileField(help_text="original profiles, same layout as the fitted ones")
    dataset_ids = serializers.ListField(child=serializers.CharField(), help_text="datasets used")
    software_commit = serializers.CharField(help_text="commit of the inversion software (hex)")


class ScanRequestSerializer(serializers.Serializer):
    proposal_id = serializers.CharField(required=False, help_text="scan only this proposal")


QUEUED = inline_serializer("Queued", {"detail": serializers.CharField()})


class ObservingProgramFilter(django_filters.FilterSet):
    proposal = django_filters.CharFilter(field_name="proposal_id")
    instrument = django_filters.CharFilter(method="filter_listed", field_name="instruments")
    spectral_line = django_filters.CharFilter(method="filter_listed", field_name="spectral_lines")
    owner = django_filters.CharFilter(field_name="owner__username")
    invertible = django_filters.BooleanFilter()

    class Meta:
        model = ObservingProgram
        fields = ["proposal", "instrument", "state", "invertible", "spectral_line", "owner", "execution_id"]

    def filter_listed(self, queryset, name, value):
        """One whole element of a JSON list of names: JSONB containment (GIN-indexed) on
        PostgreSQL; elsewhere the quoted name in the list's text."""
        if name == "instruments":
            value = value.upper()  # the store names instruments in capitals
        if connection.vendor == "postgresql":
            return queryset.filter(**{f"{name}__contains": [value]})
        return queryset.filter(**{f"{name}__icontains": f'"{value}"'})


def _refused(error: services.ActionRefused) -> Response:
    code = status.HTTP_403_FORBIDDEN if isinstance(error, services.NotPermitted) else status.HTTP_409_CONFLICT
    return Response({"detail": str(error)}, status=code)


class ObservingProgramViewSet(TrackedViewSet):
    """Observing programs: filter by proposal, instrument, state, invertible, spectral line, owner;
    order by priority or dates (``?ordering=-priority``)."""

    queryset = ObservingProgram.objects.select_related("owner")
    serializer_class = ObservingProgramSerializer
    filterset_class = ObservingProgramFilter
    ordering_fields = [
        "priority",
        "created_at",
        "state_changed_at",
        "ready_at",
        "last_changed",
        "execution_id",
    ]
    action_roles = {
        "claim": (SCIENTIST,),
        "release": (SCIENTIST, OPERATOR),
        "reassign": (OPERATOR,),
        "upload": (SCIENTIST,),
        "publish": (OPERATOR,),
        "preprocess": (OPERATOR,),
        "priority": (OPERATOR,),
        "notes": (SCIENTIST, OPERATOR),
        "requalify": (OPERATOR,),
    }

    def _act(self, service, *args, code=status.HTTP_200_OK):
        program = self.get_object()
        try:
            service(program, *args)
        except services.ActionRefused as error:
            return _refused(error)
        if code == status.HTTP_202_ACCEPTED:
            return Response({"detail": f"queued for {program}"}, status=code)
        program = self.get_queryset().get(pk=program.pk)
        return Response(self.get_serializer(program).data, status=code)

    @extend_schema(request=None, responses={200: ObservingProgramSerializer}, summary="Claim (scientists)")
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        return self._act(services.claim, request.user)

    @extend_schema(request=None, responses={200: ObservingProgramSerializer}, summary="Release a claim")
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        return self._act(services.release, request.user)

    @extend_schema(
        request=ReassignSerializer,
        responses={200: ObservingProgramSerializer},
        summary="Give the program to a scientist (operators)",
        examples=[OpenApiExample("to a scientist", value={"username": "scientist"})],
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        body = ReassignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._act(services.reassign, body.validated_data["username"], request.user)

    @extend_schema(
        request=PrioritySerializer, responses={200: ObservingProgramSerializer}, summary="Set priority"
    )
    @action(detail=True, methods=["post"])
    def priority(self, request, pk=None):
        body = PrioritySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._act(services.set_priority, body.validated_data["priority"], request.user)

    @extend_schema(
        request=NotesSerializer, responses={200: ObservingProgramSerializer}, summary="Replace notes"
    )
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        body = NotesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._act(services.set_notes, body.validated_data["notes"], request.user)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={201: InversionSerializer},
        summary="Upload the inversion results (the owner)",
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def upload(self, request, pk=None):
        program = self.get_object()
        body = UploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        files = {kind: data[kind] for kind in services.INVERSION_FILE_KINDS}
        try:
            inversion = services.upload_inversion(
                program, request.user, files, data["dataset_ids"], data["software_commit"]
            )
        except services.ActionRefused as error:
            return _refused(error)
        return Response(InversionSerializer(inversion).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={202: QUEUED}, summary="Publish the Level 2 products (operators)")
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._act(services.request_publish, request.user, code=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: QUEUED}, summary="Fetch L1 frames, write the manifest")
    @action(detail=True, methods=["post"])
    def preprocess(self, request, pk=None):
        return self._act(services.request_preprocess, request.user, code=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: ObservingProgramSerializer}, summary="Qualify again now")
    @action(detail=True, methods=["post"])
    def requalify(self, request, pk=None):
        return self._act(services.requalify, request.user)

    @extend_schema(responses=DatasetSerializer(many=True), summary="The program's datasets")
    @action(detail=True, methods=["get"])
    def datasets(self, request, pk=None):
        page = self.paginate_queryset(self.get_object().datasets.select_related("program"))
        return self.get_paginated_response(DatasetSerializer(page, many=True).data)

    @extend_schema(responses=InversionSerializer(many=True), summary="Uploaded inversions, newest first")
    @action(detail=True, methods=["get"])
    def inversions(self, request, pk=None):
        inversions = self.get_object().inversions.select_related("uploaded_by").prefetch_related("datasets")
        return Response(InversionSerializer(inversions, many=True).data)


class DatasetFilter(django_filters.FilterSet):
    program = django_filters.CharFilter(field_name="program__execution_id")
    proposal = django_filters.CharFilter(field_name="primary_proposal_id")
    instrument = django_filters.CharFilter(field_name="instrument_name", lookup_expr="iexact")

    class Meta:
        model = Dataset
        fields = ["program", "proposal", "instrument", "superseded", "product_id", "dataset_id"]


class DatasetViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Dataset.objects.select_related("program")
    serializer_class = DatasetSerializer
    filterset_class = DatasetFilter
    ordering_fields = ["dataset_id", "start_time", "update_date", "changed_at"]


class ScanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Scan.objects.all()
    serializer_class = ScanSerializer
    filterset_fields = ["status", "proposal_id"]
    ordering_fields = ["started_at"]
    action_roles = {"run": (OPERATOR,)}

    @extend_schema(
        request=ScanRequestSerializer,
        responses={202: QUEUED},
        summary="Scan the metadata store now, all of it or one proposal (operators)",
        examples=[OpenApiExample("one proposal", value={"proposal_id": "pid_1_118"})],
    )
    @action(detail=False, methods=["post"], parser_classes=[JSONParser, FormParser])
    def run(self, request):
        body = ScanRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        proposal = body.validated_data.get("proposal_id")
        services.request_scan(proposal)
        return Response({"detail": f"scan of {proposal or 'the whole store'} queued"}, status=202)


class QualificationRuleSetViewSet(viewsets.ReadOnlyModelViewSet):
    """Qualification rules in force (newest first); operators edit them in the admin."""

    queryset = QualificationRuleSet.objects.all()
    serializer_class = QualificationRuleSetSerializer


def register(router) -> None:
    router.register("programs", ObservingProgramViewSet)
    router.register("datasets", DatasetViewSet)
    router.register("scans", ScanViewSet)
    router.register("qualification-rules", QualificationRuleSetViewSet)
