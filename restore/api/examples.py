"""Examples in the restore API's schema."""

from drf_spectacular.utils import OpenApiResponse

from l2portal.portal.api.schema import ErrorSerializer, example, refusal_response

from ..science.restore_parameters import known_parameters

X80E = "uid://A001/X12a3/X80e"

REQUEST_EXAMPLE = example("Restore the seed MOUS", {"mous_uid": X80E}, request=True)
PARAMETERS_EXAMPLE = example(
    "Restore it with other restore-task parameters (another restore than the default one)",
    {"mous_uid": X80E, "restore_parameters": {"hifa_restoredata": {"bdfflags": False, "ocorr_mode": "ao"}}},
    request=True,
)
RESPONSE_EXAMPLE = example(
    "Just requested",
    {
        "id": 7,
        "mous_uid": X80E,
        "requested_by": "scientist",
        "restorable": None,
        "restorable_reason": "",
        "state": "requested",
        "state_label": "Requested",
        "progress_done": 0,
        "progress_total": 0,
        "progress_note": "",
        "cancel_requested": False,
        "force_ppr": False,
        "restore_parameters": {},
    },
    status_code=201,
)
NOT_A_MOUS_UID = refusal_response(
    400,
    "Refused: not a member OUS uid; nothing changed",
    {
        "code": "restore_refused",
        "message": "'X80e' is not a member OUS uid; expected the form uid://A001/X12a3/X80e",
        "details": {"mous_uid": "X80e"},
    },
)
DUPLICATE = refusal_response(
    409,
    "Refused: the MOUS is being restored, or was restored with the same route, software and restore "
    "parameters; nothing was created. Open the existing restore (details.url), or ask again with again=true",
    {
        "code": "restore_duplicate",
        "message": (
            "uid://A001/X12a3/X80e was already restored as #1, 2 hours ago, with the same route, "
            "software and restore parameters: open it, or restore again"
        ),
        "details": {"existing": 1, "state": "restored", "url": "/api/restores/1/", "page": "/restores/1/"},
    },
)
UNKNOWN_PARAMETER = refusal_response(
    400,
    "Refused: a restore parameter the task does not take; details.known lists each task's parameters",
    {
        "code": "restore_parameters_refused",
        "message": (
            "restore parameters refused for uid://A001/X12a3/X80e: hifa_restoredata has no parameter "
            "'bdflags'; its parameters are " + ", ".join(known_parameters()["hifa_restoredata"])
        ),
        "details": {"known": known_parameters()},
    },
)
BAD_REQUEST = OpenApiResponse(
    ErrorSerializer,
    description="Refused: not a member OUS uid, or restore parameters the tasks do not take; nothing changed",
    examples=[*NOT_A_MOUS_UID.examples, *UNKNOWN_PARAMETER.examples],
)
