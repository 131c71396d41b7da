"""Switchover API: propose a date with the L1 software switch, agree (operator and FSSC), record the
L1 switch, what completing waits for, complete or cancel. Writes go through the services."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from l2portal.ledger.services import Actor
from l2portal.portal.api.schema import documented_reads, example, refusal_response
from l2portal.portal.api.tracked import TrackedViewSet

from .. import selectors, services
from ..models import Switchover
from . import examples as ex
from .serializers import ConditionSerializer, NoteSerializer, SwitchoverSerializer


@documented_reads("Switchovers", "One switchover", "Switchover", ex.SWITCHOVER_EXAMPLE)
class SwitchoverViewSet(mixins.CreateModelMixin, TrackedViewSet):
    """Proposed by an operator, agreed by an operator and by the FSSC, then done (history is append-only)."""

    queryset = Switchover.objects.select_related("campaign")
    serializer_class = SwitchoverSerializer
    filterset_fields = ["state", "campaign"]

    @extend_schema(
        summary="Propose a switchover date (operators)",
        examples=[
            example("Proposal", ex.SWITCHOVER_PROPOSAL, request=True),
            example(
                "Proposed",
                ex.SWITCHOVER_EXAMPLE | {"state": "proposed", "state_label": "Proposed"},
                status_code=201,
            ),
        ],
    )
    def create(self, request, *args, **kwargs):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        switchover = services.propose_switchover(
            form.validated_data["campaign"],
            form.validated_data["proposed_date"],
            Actor.of_user(request.user),
            form.validated_data.get("note", ""),
            l1_software=form.validated_data["l1_software"],
            l1_from=form.validated_data["l1_from"],
        )
        return Response(self.get_serializer(switchover).data, status=201)

    def _step(self, request, move, **options):
        """Apply the service ``move`` to the switchover and answer with it."""
        switchover = self.get_object()
        move(switchover, Actor.of_user(request.user), **options)
        return Response(self.get_serializer(switchover).data)

    def _note(self, request) -> str:
        note = NoteSerializer(data=request.data)
        note.is_valid(raise_exception=True)
        return note.validated_data["note"]

    @extend_schema(
        request=None,
        responses={200: SwitchoverSerializer},
        summary="Agree to the date (operator or FSSC; both are needed)",
        examples=[
            example(
                "Agreed by both", ex.SWITCHOVER_EXAMPLE | {"state": "agreed", "state_label": "Agreed by both"}
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def agree(self, request, pk=None):
        return self._step(request, services.agree_switchover)

    @extend_schema(
        request=NoteSerializer,
        responses={200: SwitchoverSerializer},
        summary="The L1 software switch was made as agreed (operators)",
        examples=[
            example(
                "L1 switched",
                ex.SWITCHOVER_EXAMPLE | {"state": "l1_switched", "state_label": "L1 software switched"},
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path="l1-switch")
    def l1_switch(self, request, pk=None):
        return self._step(request, services.record_l1_switch, note=self._note(request))

    @extend_schema(
        responses=ConditionSerializer(many=True),
        summary="What completing the switchover waits for, each condition met or not",
        examples=[example("Conditions", ex.SWITCHOVER_CONDITIONS)],
    )
    @action(detail=True, methods=["get"], pagination_class=None)  # a handful of conditions: one list
    def conditions(self, request, pk=None):
        return Response(
            ConditionSerializer(selectors.switchover_conditions(self.get_object()), many=True).data
        )

    @extend_schema(
        request=NoteSerializer,
        responses={
            200: SwitchoverSerializer,
            409: refusal_response(
                409,
                "Refused: each condition not met is named (validated, L1 switched, backfill, ingested)",
                ex.SWITCHOVER_NOT_READY,
            ),
        },
        summary="The switch is made (operators): the campaign is released and becomes FT2/current",
        examples=[
            example("Note", {"note": "FSSC serves P310 since 09:00 UTC"}, request=True),
            example("Done", ex.SWITCHOVER_EXAMPLE | {"state": "done", "state_label": "Done"}),
        ],
    )
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        return self._step(request, services.complete_switchover, note=self._note(request))

    @extend_schema(
        request=NoteSerializer,
        responses={200: SwitchoverSerializer},
        summary="Cancel the switchover (operators)",
        examples=[
            example("Cancelled", ex.SWITCHOVER_EXAMPLE | {"state": "cancelled", "state_label": "Cancelled"})
        ],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._step(request, services.cancel_switchover, reason=self._note(request))
