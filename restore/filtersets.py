"""Filters of the restore list, shared by the list page and the API."""

import django_filters

from l2portal.portal.api.filters import BooleanFilter, IsoDateTimeFilter, PortalFilterSet

from .models import RestoreRequest


class RestoreRequestFilter(PortalFilterSet):
    requested_by = django_filters.CharFilter(field_name="requested_by__username")
    since = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    restorable = BooleanFilter()
    cancel_requested = BooleanFilter()
    force_ppr = BooleanFilter()

    class Meta:
        model = RestoreRequest
        fields = ["state", "mous_uid", "requested_by", "restorable", "cancel_requested", "force_ppr", "since"]
