"""OpenAPI examples of the observing-program API."""

from l2portal.ledger.api.schema import example, refusal_response

TO_A_SCIENTIST = example("to a scientist", {"username": "scientist"}, request=True)
ONE_PROPOSAL = example("one proposal", {"proposal_id": "pid_1_118"}, request=True)

UPLOAD_REFUSED = refusal_response(
    400,
    "Refused: the files, datasets or commit are not acceptable; nothing changed",
    {
        "code": "upload_refused",
        "message": "upload rejected: software commit 'tip' is not a git commit (7 to 40 hex digits)",
        "details": {"problems": ["software commit 'tip' is not a git commit (7 to 40 hex digits)"]},
    },
)
