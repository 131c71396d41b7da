"""OpenAPI helpers shared by every app's API: examples, documented reads of a tracked viewset,
and the refusal answers every write may give."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view

from .filters import BIGINT
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


# Every error has the refusals' shape: the name other apps' schemas use for it.
ErrorSerializer = RefusalSerializer

# What any operation may answer besides its own result, documented once for all of them; every
# error has the refusals' shape (portal.api.refusals).
SIGNED_OUT = refusal_response(
    401,
    "Not signed in: send a session cookie or a token",
    {"code": "not_authenticated", "message": "Authentication credentials were not provided.", "details": {}},
)
NOT_FOUND = refusal_response(
    404,
    "No such object (or no such page of a list)",
    {"code": "not_found", "message": "No FsscDelivery matches the given query.", "details": {}},
)
INVALID = refusal_response(
    400,
    "Invalid request: a body that does not parse, a NUL in the path or query, or invalid fields "
    "(each field's messages in `details`); nothing changed",
    {
        "code": "invalid",
        "message": 'The request is invalid: stage: "pull" is not a valid choice. '
        "Correct it and send it again.",
        "details": {"stage": ['"pull" is not a valid choice.']},
    },
)
NOT_READABLE = refusal_response(
    403,
    "The caller's role may not read this",
    {
        "code": "permission_denied",
        "message": "Your role does not allow reading this; ask an operator.",
        "details": {},
    },
)


class PortalAutoSchema(AutoSchema):
    """Every operation documents the answers the portal gives besides its result, unless the view
    documents its own: 401 signed out; 404 for an object or a list page that does not exist; 400
    for invalid filters, pages or bodies, and on every operation for a NUL in the path or query
    (refused before any view); 403 and 409 refusals of writes (the refusal body); 403 where reads
    are limited to some roles."""

    def get_filter_backends(self):
        """A detail action's list (a program's history, its datasets) is not filtered by the
        resource's filters: only the resource's own list documents them."""
        if getattr(self.view, "detail", False):
            return []
        return super().get_filter_backends()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        write = self.method in ("POST", "PUT", "PATCH", "DELETE")
        standard = {"401": SIGNED_OUT, "400": INVALID}
        if "{" in self.path or self._is_list_view():
            standard["404"] = NOT_FOUND
        if write:
            standard.update({"403": NOT_PERMITTED, "409": CONFLICT})
        elif getattr(self.view, "read_roles", None):
            standard["403"] = NOT_READABLE
        for status, response in standard.items():
            if status not in responses:
                responses[status] = self._get_response_for_code(response, status, direction=direction)
        return responses


def document_query_filters(result, generator, request, public):
    """drf-spectacular hook: say what the filters do. A query parameter sent empty (a form's blank
    field) filters nothing; an integer one holds what PostgreSQL's bigint holds."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") != "query" or parameter.get("required"):
                    continue
                parameter["allowEmptyValue"] = True
                schema = parameter.get("schema", {})
                if schema.get("type") == "integer":
                    schema.setdefault("minimum", -BIGINT)
                    schema.setdefault("maximum", BIGINT)
    return result
