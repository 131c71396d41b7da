"""Filters of observing programs and datasets, shared by the pages and the API, and of the scans
page."""

import django_filters
from django.db import connection

from l2portal.portal.filtering import BooleanFilter, PortalFilterSet

from .models import Dataset, ObservingProgram, Scan, Transfer


class ObservingProgramFilter(PortalFilterSet):
    proposal = django_filters.CharFilter(field_name="proposal_id")
    instrument = django_filters.CharFilter(method="filter_listed", field_name="instruments")
    spectral_line = django_filters.CharFilter(method="filter_listed", field_name="spectral_lines")
    owner = django_filters.CharFilter(field_name="owner__username")
    invertible = BooleanFilter()

    class Meta:
        model = ObservingProgram
        fields = ["proposal", "instrument", "state", "invertible", "spectral_line", "owner", "execution_id"]

    def filter_listed(self, queryset, name, value):
        """One whole element of a JSON list of names: JSONB containment (GIN-indexed) on
        PostgreSQL; elsewhere the quoted name in the list's text."""
        if name == "instruments":
            value = value.upper()  # the store names instruments in capitals
        if connection.vendor == "postgresql":
            return queryset.filter(**{f"{name}__contains": [value]})
        return queryset.filter(**{f"{name}__icontains": f'"{value}"'})


class DatasetFilter(PortalFilterSet):
    program = django_filters.CharFilter(field_name="program__execution_id")
    proposal = django_filters.CharFilter(field_name="primary_proposal_id")
    instrument = django_filters.CharFilter(field_name="instrument_name", lookup_expr="iexact")

    class Meta:
        model = Dataset
        fields = ["program", "proposal", "instrument", "superseded", "product_id", "dataset_id"]


class ScanFilter(PortalFilterSet):
    """The scans page's filters: the status and proposal the scans API filters by."""

    status = django_filters.ChoiceFilter(choices=Scan.Status.choices, empty_label="any")
    proposal_id = django_filters.CharFilter(label="Proposal")

    class Meta:
        model = Scan
        fields = ["status", "proposal_id"]


class TransferFilter(PortalFilterSet):
    """The transfers page's filters: what moved, how it ended, for which program."""

    status = django_filters.ChoiceFilter(choices=Transfer.Status.choices, empty_label="any")
    purpose = django_filters.ChoiceFilter(choices=Transfer.Purpose.choices, empty_label="any")
    program = django_filters.CharFilter(field_name="program__execution_id", label="Program")

    class Meta:
        model = Transfer
        fields = ["status", "purpose", "program"]
