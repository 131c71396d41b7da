"""API views: read the programs, their datasets and scans; actions call the services, which check
roles and refuse (the site's exception handler answers a refusal with its status)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from l2portal.ledger.selectors import with_failure_reasons
from l2portal.ledger.services import Actor
from l2portal.portal.api.parsers import GuardedJSONParser
from l2portal.portal.api.tracked import TrackedViewSet

from .. import services
from ..filtersets import DatasetFilter, ObservingProgramFilter
from ..models import Dataset, ObservingProgram, QualificationRuleSet, Scan, Transfer
from .examples import FROM_GLOBUS, NO_STORE, ONE_PROPOSAL, TO_A_SCIENTIST, UPLOAD_REFUSED
from .serializers import (
    QUEUED,
    DatasetSerializer,
    GlobusUploadSerializer,
    InversionSerializer,
    NotesSerializer,
    ObservingProgramSerializer,
    PrioritySerializer,
    QualificationRuleSetSerializer,
    ReassignSerializer,
    ScanRequestSerializer,
    ScanSerializer,
    TransferredFileSerializer,
    TransferSerializer,
    UploadSerializer,
)


def queued(program: ObservingProgram) -> Response:
    return Response({"detail": f"queued for {program}"}, status=status.HTTP_202_ACCEPTED)


class ObservingProgramViewSet(TrackedViewSet):
    """Observing programs: filter by proposal, instrument, state, invertible, spectral line, owner;
    order by priority or dates (``?ordering=-priority``)."""

    queryset = with_failure_reasons(ObservingProgram.objects.select_related("owner"))
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

    def as_it_is_now(self, program: ObservingProgram) -> Response:
        """The program read again, after a service changed it."""
        return Response(self.get_serializer(self.get_queryset().get(pk=program.pk)).data)

    def validated(self, serializer_class) -> dict:
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    @extend_schema(request=None, responses={200: ObservingProgramSerializer}, summary="Claim (scientists)")
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        return self.as_it_is_now(services.claim(self.get_object(), Actor.of_user(request.user)))

    @extend_schema(request=None, responses={200: ObservingProgramSerializer}, summary="Release a claim")
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        return self.as_it_is_now(services.release(self.get_object(), Actor.of_user(request.user)))

    @extend_schema(
        request=ReassignSerializer,
        responses={200: ObservingProgramSerializer},
        summary="Give the program to a scientist (operators)",
        examples=[TO_A_SCIENTIST],
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        username = self.validated(ReassignSerializer)["username"]
        program = services.reassign(self.get_object(), username, Actor.of_user(request.user))
        return self.as_it_is_now(program)

    @extend_schema(
        request=PrioritySerializer, responses={200: ObservingProgramSerializer}, summary="Set priority"
    )
    @action(detail=True, methods=["post"])
    def priority(self, request, pk=None):
        priority = self.validated(PrioritySerializer)["priority"]
        program = services.set_priority(self.get_object(), priority, Actor.of_user(request.user))
        return self.as_it_is_now(program)

    @extend_schema(
        request=NotesSerializer, responses={200: ObservingProgramSerializer}, summary="Replace notes"
    )
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        notes = self.validated(NotesSerializer)["notes"]
        program = services.set_notes(self.get_object(), notes, Actor.of_user(request.user))
        return self.as_it_is_now(program)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={201: InversionSerializer, 400: UPLOAD_REFUSED},
        summary="Upload the inversion results (the owner)",
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def upload(self, request, pk=None):
        program = self.get_object()
        data = self.validated(UploadSerializer)
        inversion = services.upload_inversion(
            program,
            Actor.of_user(request.user),
            {kind: data[kind] for kind in services.INVERSION_FILE_KINDS},
            data["dataset_ids"],
            data["software_commit"],
        )
        return Response(InversionSerializer(inversion).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=GlobusUploadSerializer,
        responses={202: TransferSerializer, 400: UPLOAD_REFUSED},
        summary="Have the results transferred by Globus from a collection (the owner)",
        examples=[FROM_GLOBUS],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="upload-by-globus",
        parser_classes=[GuardedJSONParser, FormParser],
    )
    def upload_by_globus(self, request, pk=None):
        data = self.validated(GlobusUploadSerializer)
        transfer = services.request_globus_upload(
            self.get_object(),
            Actor.of_user(request.user),
            data["collection"],
            data["folder"],
            data["dataset_ids"],
            data["software_commit"],
        )
        return Response(TransferSerializer(transfer).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=TransferSerializer(many=True), summary="Its transfers, newest first")
    @action(detail=True, methods=["get"])
    def transfers(self, request, pk=None):
        page = self.paginate_queryset(self.get_object().transfers.select_related("program", "requested_by"))
        return self.get_paginated_response(TransferSerializer(page, many=True).data)

    @extend_schema(
        request=None,
        responses={202: QUEUED, 409: NO_STORE},
        summary="Publish the Level 2 products (operators)",
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        program = self.get_object()
        services.request_publish(program, Actor.of_user(request.user))
        return queued(program)

    @extend_schema(request=None, responses={202: QUEUED}, summary="Fetch L1 frames, write the manifest")
    @action(detail=True, methods=["post"])
    def preprocess(self, request, pk=None):
        program = self.get_object()
        services.request_preprocess(program, Actor.of_user(request.user))
        return queued(program)

    @extend_schema(request=None, responses={200: ObservingProgramSerializer}, summary="Qualify again now")
    @action(detail=True, methods=["post"])
    def requalify(self, request, pk=None):
        return self.as_it_is_now(services.requalify(self.get_object(), Actor.of_user(request.user)))

    @extend_schema(responses=DatasetSerializer(many=True), summary="The program's datasets")
    @action(detail=True, methods=["get"])
    def datasets(self, request, pk=None):
        page = self.paginate_queryset(self.get_object().datasets.select_related("program"))
        return self.get_paginated_response(DatasetSerializer(page, many=True).data)

    @extend_schema(responses=InversionSerializer(many=True), summary="Uploaded inversions, newest first")
    @action(detail=True, methods=["get"])
    def inversions(self, request, pk=None):
        inversions = self.get_object().inversions.select_related("uploaded_by").prefetch_related("datasets")
        page = self.paginate_queryset(inversions)
        return self.get_paginated_response(InversionSerializer(page, many=True).data)


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

    @extend_schema(
        request=ScanRequestSerializer,
        responses={202: QUEUED, 409: NO_STORE},
        summary="Scan the metadata store now, all of it or one proposal (operators)",
        examples=[ONE_PROPOSAL],
    )
    @action(detail=False, methods=["post"], parser_classes=[GuardedJSONParser, FormParser])
    def run(self, request):
        body = ScanRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        proposal = body.validated_data.get("proposal_id")
        services.request_scan(Actor.of_user(request.user), proposal)
        return Response({"detail": f"scan of {proposal or 'the whole store'} queued"}, status=202)


class TransferViewSet(viewsets.ReadOnlyModelViewSet):
    """Transfers of programs' files (L1 frames in, results in, Level 2 out) with their progress."""

    queryset = Transfer.objects.select_related("program", "requested_by")
    serializer_class = TransferSerializer
    filterset_fields = ["purpose", "status", "backend"]
    ordering_fields = ["created_at", "updated_at"]

    @extend_schema(
        responses=TransferredFileSerializer(many=True), summary="Every file: size, verification, faults"
    )
    @action(detail=True, methods=["get"])
    def files(self, request, pk=None):
        page = self.paginate_queryset(self.get_object().files.all())
        return self.get_paginated_response(TransferredFileSerializer(page, many=True).data)


class QualificationRuleSetViewSet(viewsets.ReadOnlyModelViewSet):
    """Qualification rules in force (newest first); operators edit them in the admin."""

    queryset = QualificationRuleSet.objects.all()
    serializer_class = QualificationRuleSetSerializer
