"""Filters of the restore list, shared by the list page and the API."""

import django_filters

from .models import RestoreRequest


class RestoreRequestFilter(django_filters.FilterSet):
    requested_by = django_filters.CharFilter(field_name="requested_by__username")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = RestoreRequest
        fields = ["state", "mous_uid", "requested_by", "restorable", "cancel_requested", "since"]
