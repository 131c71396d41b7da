"""Refusals over the API: one exception handler turns every ``Refused`` into its HTTP status with
``{"code", "message", "details", "detail"}`` (``detail`` repeats the message, as in DRF's own
errors, so a client reads one field for every error); ``schema.PortalAutoSchema`` documents that
answer on every write once."""

from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

from ...ledger.refusals import Refused
from ...ledger.services import Actor, record_refusal


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
