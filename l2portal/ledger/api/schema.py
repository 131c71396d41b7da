"""OpenAPI helpers shared by every app's API: examples, documented reads of a tracked viewset,
and the refusal answers every write may give."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view

from .refusals import RefusalSerializer


def example(name: str, value, *, request: bool = False, status_code: int = 200) -> OpenApiExample:
    """A request example, or a response example for ``status_code``."""
    return OpenApiExample(
        name,
        value=value,
        request_only=request,
        response_only=not request,
        status_codes=[str(status_code)] if not request else None,
    )


TRANSITION_EXAMPLE = {
    "id": 7,
    "from_state": "error",
    "to_state": "generating",
    "at": "2026-11-21T12:05:00Z",
    "actor": "operator",
    "actor_task": "",
    "actor_task_id": "",
    "reason": "operator retry",
    "details": {"retry_of": 6},
}


def documented_reads(list_summary: str, one_summary: str, name: str, value: dict, tracked: bool = True):
    """Schema of a viewset's list and retrieve, each with an example item, and for a tracked one
    of its inherited history and retry."""
    reads = {
        "list": extend_schema(summary=list_summary, examples=[example(name, value)]),
        "retrieve": extend_schema(summary=one_summary, examples=[example(name, value)]),
    }
    if not tracked:
        return extend_schema_view(**reads)
    return extend_schema_view(
        **reads,
        history=extend_schema(examples=[example("History", TRANSITION_EXAMPLE)]),  # paginated by spectacular
        retry=extend_schema(examples=[example("Retried", TRANSITION_EXAMPLE)]),
    )


def refusal_response(status: int, description: str, value: dict) -> OpenApiResponse:
    """A documented refusal answer with one example body."""
    body = {**value, "detail": value["message"]}
    return OpenApiResponse(
        RefusalSerializer, description=description, examples=[example(description, body, status_code=status)]
    )


NOT_PERMITTED = refusal_response(
    403,
    "Refused: the caller's role does not allow it; nothing changed",
    {
        "code": "not_permitted",
        "message": "only operators may retry observing program eid_1; ask an operator",
        "details": {"roles": ["operator"], "actor": "scientist"},
    },
)
CONFLICT = refusal_response(
    409,
    "Refused: the object's state does not allow it; nothing changed",
    {
        "code": "transition_refused",
        "message": "reprocessing campaign P310: cannot move from 'running' to 'running' "
        "(allowed from here: validating)",
        "details": {"from_state": "running", "to_state": "running"},
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
