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


class RestoreListFilter(RestoreRequestFilter):
    """The list page's filters: the API's, with the states to pick from, the MOUS uid as ``mous``
    (the request form above the list takes ``mous_uid``) and labels a person reads (the API's
    parameters keep theirs)."""

    mous = django_filters.CharFilter(field_name="mous_uid", label="MOUS uid")
    requested_by = django_filters.CharFilter(field_name="requested_by__username", label="Requested by")
    restorable = BooleanFilter(label="Can we restore? (true or false)")
    since = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte", label="Requested since")

    class Meta(RestoreRequestFilter.Meta):
        fields = ["state", "mous", "requested_by", "restorable", "cancel_requested", "force_ppr", "since"]
