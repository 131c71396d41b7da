"""OpenAPI examples of the observing-program API."""

from l2portal.portal.api.schema import example, refusal_response

TO_A_SCIENTIST = example("to a scientist", {"username": "scientist"}, request=True)
ONE_PROPOSAL = example("one proposal", {"proposal_id": "pid_1_118"}, request=True)
FROM_GLOBUS = example(
    "from a compute centre",
    {
        "collection": "6c54cade-bde5-45c1-bdea-f4bd71dba2cc",
        "folder": "/projects/dkist/eid_1_118_opA/",
        "dataset_ids": ["BVJVO"],
        "software_commit": "3f9c2ab",
    },
    request=True,
)

NO_STORE = refusal_response(
    409,
    "Refused: no metadata store is configured; nothing started",
    {
        "code": "no_metadata_store",
        "message": "cannot scan the whole store: no metadata store is configured: set METADATA_STORE_URL, "
        "or scan files with manage.py scan_metadata --file F.json",
        "details": {},
    },
)

UPLOAD_REFUSED = refusal_response(
    400,
    "Refused: the files, datasets or commit are not acceptable; nothing changed",
    {
        "code": "upload_refused",
        "message": "upload rejected: software commit 'tip' is not a git commit (7 to 40 hex digits)",
        "details": {"problems": ["software commit 'tip' is not a git commit (7 to 40 hex digits)"]},
    },
)
