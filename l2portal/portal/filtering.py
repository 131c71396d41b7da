"""Filters that answer a malformed value with 400, never a 500 and never a silent no-op: integers
are whole numbers the database can hold, booleans are true or false, times are real ISO times.
Every filter set of the portal derives from PortalFilterSet (automatic ones too, through
PortalFilterBackend), and explicit integer filters use IntegerFilter."""

from datetime import UTC

from django import forms
from django.db import models
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField

from l2portal.ledger.models import Tracked

BIGINT = 2**63 - 1


class WholeNumberField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -BIGINT)
        kwargs.setdefault("max_value", BIGINT)
        super().__init__(*args, **kwargs)


class IntegerFilter(filters.NumberFilter):
    """A whole number within what PostgreSQL's bigint holds (0.5 or 10**30 are a 400)."""

    field_class = WholeNumberField


class TrueOrFalseField(forms.TypedChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.update(choices=[("", ""), ("true", "true"), ("false", "false")], coerce=lambda v: v == "true")
        kwargs.setdefault("empty_value", None)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        return value.lower() if isinstance(value, str) else value


class BooleanFilter(filters.BooleanFilter):
    """true or false (any case); anything else ("null", "yes", 2) is a 400."""

    field_class = TrueOrFalseField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)  # the value as sent, not pre-read as a boolean
        super().__init__(*args, **kwargs)


class CheckedIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time; one the calendar or a time zone cannot hold (+99:00) is invalid, not a 500."""

    def strptime(self, value, format):
        try:
            return super().strptime(value, format)
        except (ValueError, OverflowError) as error:
            raise ValueError(str(error)) from None

    def to_python(self, value):
        try:
            value = super().to_python(value)
            # In UTC: PostgreSQL holds offsets up to 15:59 only, Python up to 23:59.
            return value.astimezone(UTC) if value is not None and value.tzinfo else value
        except OverflowError as error:
            raise forms.ValidationError(f"not a time: {error}", code="invalid") from None


class IsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = CheckedIsoDateTimeField


class PortalFilterSet(filters.FilterSet):
    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        **{
            field: {"filter_class": IntegerFilter}
            for field in (
                models.AutoField,
                models.BigAutoField,
                models.IntegerField,
                models.BigIntegerField,
                models.SmallIntegerField,
                models.PositiveIntegerField,
                models.PositiveSmallIntegerField,
                models.PositiveBigIntegerField,
            )
        },
        # A related object by its id: one that does not exist matches nothing (no 400 for it).
        models.ForeignKey: {"filter_class": IntegerFilter},
        models.OneToOneField: {"filter_class": IntegerFilter},
        models.BooleanField: {"filter_class": BooleanFilter},
        models.DateTimeField: {"filter_class": IsoDateTimeFilter},
    }

    @classmethod
    def filter_for_field(cls, field, field_name, lookup_expr=None):
        """A tracked model's state is picked from its machine's states on pages (the API takes
        the same value, and a state it does not know matches nothing, as before)."""
        if field.name == "state" and issubclass(field.model, Tracked) and lookup_expr in (None, "exact"):
            choices = [("", "all"), *field.model.machine.states]
            return filters.CharFilter(field_name=field_name, widget=forms.Select(choices=choices))
        return super().filter_for_field(field, field_name, lookup_expr)


class PortalFilterBackend(filters.DjangoFilterBackend):
    """Filter sets made from a view's ``filterset_fields`` are PortalFilterSets too."""

    filterset_base = PortalFilterSet


def filtered_rows(filterset):
    """A list page's rows: everything unfiltered, the matches of valid filters, none for invalid
    ones (the form then says what is wrong)."""
    if filterset.is_bound and not filterset.is_valid():
        return filterset.queryset.none()
    return filterset.qs
