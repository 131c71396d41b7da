"""Errors over the API, one shape for all of them: ``{"code", "message", "details", "detail"}``
(``detail`` repeats the message, as in DRF's own errors, so a client reads one field for every
error). A ``Refused`` answers with its HTTP status, code and details; DRF's own errors (a body
that does not parse, no or a bad token, a role that may not read, no such object, invalid fields)
with DRF's code, a message and, for invalid fields, the fields in error as ``details``.
``schema.PortalAutoSchema`` documents these answers once for every operation."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

from ...ledger.refusals import Refused
from ...ledger.services import Actor, record_refusal


class RefusalSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="stable code of the refusal, e.g. transition_refused")
    message = serializers.CharField(help_text="what was refused and what to do next")
    details = serializers.JSONField(help_text="the refusal's particulars (states, problems, roles, fields)")
    detail = serializers.CharField(help_text="the message again, where DRF's errors carry theirs")


def error_body(code: str, message: str, details=None) -> dict:
    return {"code": code, "message": message, "details": details or {}, "detail": message}


def refusal_body(error: Refused) -> dict:
    return error_body(error.code, error.message, error.details)


def _first_messages(errors, prefix: str = "") -> list[str]:
    """Each field's first message, "field: message", nested fields joined with dots."""
    if isinstance(errors, dict):
        return [
            line
            for field, nested in errors.items()
            for line in _first_messages(
                nested, f"{prefix}{field}." if field != "non_field_errors" else prefix
            )
        ]
    if isinstance(errors, list):
        if errors and not isinstance(errors[0], dict | list):
            return [f"{prefix[:-1]}: {errors[0]}" if prefix else str(errors[0])]
        return [
            line
            for index, nested in enumerate(errors)
            for line in _first_messages(nested, f"{prefix}{index}.")
        ]
    return [f"{prefix[:-1]}: {errors}" if prefix else str(errors)]


def _drf_error_body(exc: exceptions.APIException) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = "; ".join(_first_messages(details))
        return error_body(
            "invalid", f"The request is invalid: {fields.rstrip('.')}. Correct it and send it again.", details
        )
    codes = exc.get_codes()
    return error_body(codes if isinstance(codes, str) else exc.default_code, str(exc.detail))


def refusal_exception_handler(exc, context):
    if isinstance(exc, Refused):
        request = context.get("request")
        if request is not None and request.user.is_authenticated:
            record_refusal(exc, Actor.of_user(request.user))
        return Response(refusal_body(exc), status=exc.http_status)
    # Django's own two become DRF's, as DRF's handler does, keeping their message.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = exception_handler(exc, context)
    if response is not None:
        response.data = _drf_error_body(exc)
    return response
