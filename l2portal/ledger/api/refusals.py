"""Refusals over the API: one exception handler turns every ``Refused`` into its HTTP status with
``{"code", "message", "details", "detail"}`` (``detail`` repeats the message, as in DRF's own
errors, so a client reads one field for every error), and the schema documents that answer on
every write once."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

from ..refusals import Refused
from ..services import Actor, record_refusal


class RefusalSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="stable code of the refusal, e.g. transition_refused")
    message = serializers.CharField(help_text="what was refused and what to do next")
    details = serializers.JSONField(help_text="the refusal's particulars (states, problems, roles)")
    detail = serializers.CharField(help_text="the message again, where DRF's errors carry theirs")


def refusal_body(error: Refused) -> dict:
    return {**error.as_dict(), "detail": error.message}


def refusal_exception_handler(exc, context):
    if isinstance(exc, Refused):
        request = context.get("request")
        if request is not None and request.user.is_authenticated:
            record_refusal(exc, Actor.of_user(request.user))
        return Response(refusal_body(exc), status=exc.http_status)
    return exception_handler(exc, context)


def _refusal(status: int, description: str, example: dict) -> OpenApiResponse:
    return OpenApiResponse(
        RefusalSerializer,
        description=description,
        examples=[OpenApiExample(description, value=example, status_codes=[str(status)], response_only=True)],
    )


NOT_PERMITTED = _refusal(
    403,
    "Refused: the caller's role does not allow it; nothing changed",
    {
        "code": "not_permitted",
        "message": "only operators may retry observing program eid_1; ask an operator",
        "details": {"roles": ["operator"], "actor": "scientist"},
        "detail": "only operators may retry observing program eid_1; ask an operator",
    },
)
CONFLICT = _refusal(
    409,
    "Refused: the object's state does not allow it; nothing changed",
    {
        "code": "transition_refused",
        "message": "reprocessing campaign P310: cannot move from 'running' to 'running' "
        "(allowed from here: validating)",
        "details": {"from_state": "running", "to_state": "running"},
        "detail": "reprocessing campaign P310: cannot move from 'running' to 'running' "
        "(allowed from here: validating)",
    },
)


class PortalAutoSchema(AutoSchema):
    """Every write may be refused: 403 and 409 with the refusal body, unless the view documents
    its own."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self.method in ("POST", "PUT", "PATCH", "DELETE") and direction == "response":
            for status, refusal in (("403", NOT_PERMITTED), ("409", CONFLICT)):
                if status not in responses:
                    responses[status] = self._get_response_for_code(refusal, status, direction=direction)
        return responses
