"""The dashboard's boards: each tracked model the apps declare (PortalApp.dashboard) counted by
state, and the runs counted by status; every count links to its list filtered to it. One query a
board, whatever the number of objects."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from ..ledger.models import Execution
from .site import dashboard_cards


@dataclass(frozen=True)
class StateCount:
    label: str
    value: str
    count: int
    url: str


@dataclass(frozen=True)
class Board:
    name: str
    url: str
    total: int
    counts: list[StateCount]


def _counts(queryset, field: str) -> dict[str, int]:
    return dict(queryset.values_list(field).annotate(n=Count("pk")).order_by())


def boards() -> list[Board]:
    result = []
    for model, card in dashboard_cards():
        counts = _counts(model.objects.all(), "state")
        result.append(
            Board(
                name=str(model._meta.verbose_name_plural),
                url=card.list_url(),
                total=sum(counts.values()),
                counts=[
                    StateCount(label, value, counts.get(value, 0), card.list_url(value))
                    for value, label in model.machine.states
                ],
            )
        )
    runs, statuses = reverse("registry:executions"), _counts(Execution.objects.all(), "status")
    result.append(
        Board(
            name="executions",
            url=runs,
            total=sum(statuses.values()),
            counts=[
                StateCount(label, value, statuses.get(value, 0), f"{runs}?{urlencode({'status': value})}")
                for value, label in Execution.Status.choices
            ],
        )
    )
    return result
