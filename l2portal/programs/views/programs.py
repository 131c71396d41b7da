"""The program list (filters, counts per state, a PortalTable) and one program's page: what it is,
why it failed, which buttons its reader has and, for what cannot be done now, why."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from l2portal.ledger.roles import OPERATOR, SCIENTIST
from l2portal.ledger.services import Actor
from l2portal.portal.tables import portal_table

from .. import conf, selectors, services
from ..filtersets import ObservingProgramFilter
from ..models import ObservingProgram, Transfer
from ..science.inversion import expected_files
from ..services.publish import NO_STORE
from ..tables import ProgramTable


def list_programs(request):
    filters = ObservingProgramFilter(request.GET, queryset=ObservingProgram.objects.select_related("owner"))
    valid = filters.is_valid()
    # Counts per state under the other filters, so the state links show what they would give.
    without_state = request.GET.copy()
    without_state.pop("state", None)
    others = ObservingProgramFilter(without_state, queryset=ObservingProgram.objects.all())
    counted = selectors.state_counts(others.qs) if others.is_valid() else {}
    # Those counts also say how many programs the list holds: no COUNT of all rows again.
    state = filters.form.cleaned_data.get("state") if valid else None
    shown = (counted.get(state, 0) if state else sum(counted.values())) if valid else 0
    rows = filters.qs if valid else ObservingProgram.objects.none()
    table = portal_table(request, ProgramTable, rows, row_count=shown)
    if table.wants_csv:
        return table.csv_response()
    without_state.pop(table.prefixed_page_field, None)
    context = {
        "table": table,
        "filters": request.GET,
        "states": selectors.states_with_counts(counted),
        "total": sum(counted.values()),
        "state_query": without_state.urlencode(),
    }
    return render(request, "programs/list.html", context)


# What happens next in each state, whoever reads the page.
STATE_HINTS = {
    "discovered": "Its datasets are settling; it is qualified once none has changed for the settle period.",
    "not_invertible": "Not invertible under the rules in force (see the checklist); it is qualified "
    "again when its datasets or the rules change.",
    "invertible": "Invertible: an operator preprocesses it (fetches its L1 frames); then a scientist "
    "can claim it.",
    "preprocessed": "Preprocessed: waiting in the queue for a scientist to claim it.",
    "working": "Working: {owner} inverts it and sends the results (form or Globus).",
    "inverted": "Inverted: an operator publishes it to the bucket and the metadata store.",
    "published": "Published: nothing more to do.",
    "error": "",  # the failure, on top, says what to do
}


def _upload_fields(errors: dict[str, list[str]]) -> dict:
    """The upload form's fields with the problems found in each (none on a fresh form)."""
    return {
        "file_fields": [{"file": f, "errors": errors.get(f.kind, [])} for f in expected_files()],
        "commit_errors": errors.get("software_commit", []),
        "dataset_errors": errors.get("dataset_ids", []),
    }


def _what_to_do(program: ObservingProgram, actor: Actor, page: dict) -> tuple[dict, list[str]]:
    """Which buttons to show (the services decide what is allowed) and, for what cannot be done
    now, why and what happens next."""
    is_operator, is_scientist = actor.has_role(OPERATOR), actor.has_role(SCIENTIST)
    owner = services.owns(program, actor)
    state = program.state
    can = {
        "claim": is_scientist and state == "preprocessed" and program.owner_id is None,
        "release": state == "working" and (owner or is_operator),
        "upload": state == "working"
        and owner
        and not any(t.purpose == Transfer.Purpose.UPLOAD and t.running for t in page["transfers"]),
        "reassign": is_operator and state in ("preprocessed", "working"),
        "publish": is_operator and state == "inverted" and page["store_configured"],
        "preprocess": is_operator and state in ("invertible", "preprocessed"),
        "retry": is_operator and state == "error",
        "requalify": is_operator,
        "priority": is_operator,
        "notes": is_operator or owner,
    }
    owner_name = program.owner.get_username() if program.owner_id else "nobody"
    notes = [STATE_HINTS.get(state, "").format(owner=owner_name)]
    if state == "inverted" and is_operator and not page["store_configured"]:
        notes.append(f"Publishing is not possible here yet: {NO_STORE}.")
    if state == "working" and owner and not can["upload"]:
        notes.append("Results are on their way by Globus; their progress is below.")
    if state == "preprocessed" and is_scientist and program.owner_id:
        notes.append(f"Claimed by {owner_name}.")
    return can, [note for note in notes if note]


def detail(request, pk):
    return program_page(request, pk)


def program_page(request, pk, status: int = 200, upload: dict | None = None):
    """The program's page; ``upload``: the upload form as it was sent (its values, the problems by
    field, or what a check found), shown in place of an empty form."""
    program = get_object_or_404(ObservingProgram.objects.select_related("owner", "manifest"), pk=pk)
    actor = Actor.of_user(request.user)
    page = selectors.program_page(program)
    can, hints = _what_to_do(program, actor, page)
    context = {
        **page,
        "can": can,
        "hints": hints,
        "form_limit": conf.form_upload_max_bytes(),
        "upload": upload or {},
        **_upload_fields((upload or {}).get("errors", {})),
    }
    return render(request, "programs/detail.html", context, status=status)
