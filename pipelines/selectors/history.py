"""What happened to tracked objects, read for many at once: their latest Execution and number of
tries, and the reason of their latest failure, for lists (a fixed number of queries, whatever the
count)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max

from l2portal.ledger.models import Execution


def executions_of(model, pks) -> dict[str, dict]:
    """Per subject pk (as text): ``tries`` and the latest Execution (two queries, whatever the count)."""
    subject_type = ContentType.objects.get_for_model(model)
    ids = [str(pk) for pk in pks]
    found = (
        Execution.objects.filter(subject_type=subject_type, subject_id__in=ids)
        .values("subject_id")
        .annotate(tries=Count("pk"), latest=Max("pk"))
        .order_by()
    )
    by_subject = {row["subject_id"]: row for row in found}
    latest = Execution.objects.in_bulk([row["latest"] for row in by_subject.values()])
    return {
        sid: {"tries": row["tries"], "execution": latest[row["latest"]]} for sid, row in by_subject.items()
    }


def error_reasons(model, pks) -> dict[int, str]:
    """The reason of each object's latest failure."""
    rows = model.transition_model().objects.filter(subject_id__in=pks, to_state="error").order_by("at", "id")
    return dict(rows.values_list("subject_id", "reason"))  # later rows win


def with_error_reasons(model, objects) -> None:
    """Give each of ``objects`` (of ``model``) its ``error_reason`` ("" unless in error): one query."""
    objects = list(objects)
    reasons = error_reasons(model, [obj.pk for obj in objects if obj.state == "error"])
    for obj in objects:
        obj.error_reason = reasons.get(obj.pk, "")
