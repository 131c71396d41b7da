"""Examples in the restore API's schema."""

from l2portal.portal.api.schema import example, refusal_response

X80E = "uid://A001/X12a3/X80e"

REQUEST_EXAMPLE = example("Restore the seed MOUS", {"mous_uid": X80E}, request=True)
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
    "Refused: the MOUS is being restored, or was restored with the same route and software; nothing "
    "was created. Open the existing restore (details.url), or ask again with again=true",
    {
        "code": "restore_duplicate",
        "message": (
            "uid://A001/X12a3/X80e was already restored as #1, 2 hours ago, with the same route and "
            "software: open it, or restore again"
        ),
        "details": {"existing": 1, "state": "restored", "url": "/api/restores/1/", "page": "/restores/1/"},
    },
)
