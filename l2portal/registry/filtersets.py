"""Product search, shared by the registry's search page and the products API: by instrument, type,
collection (a chain or a tag searches what it holds), data id, status and time. A malformed value
is a 400 (on the page, the form's error), never an empty answer. The change log's filters (object
type, object, actor, kind, time) and the runs' (status, task, host, time)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.text import capfirst

from l2portal.ledger.events import declared_kinds
from l2portal.ledger.models import Change, Execution
from l2portal.registry.models import Collection, Instrument, Product, TagMembership, search_path

from ..ledger.change_view import tracked_models
from ..portal.filtering import IsoDateTimeFilter, PortalFilterSet

# A time from the browser's date and time picker, or any ISO 8601 time.
TIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def parse_data_id(text: str) -> dict[str, str] | None:
    """``run=545208791`` or ``mous=uid://A001/X12a3/X80e, eb=uid://...`` -> {dimension: value};
    None if it is not of that form."""
    parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    pairs = [part.partition("=") for part in parts]
    if not pairs or any(not key.strip() or not sep or not value.strip() for key, sep, value in pairs):
        return None
    return {key.strip(): value.strip() for key, _, value in pairs}


class DataIdField(forms.CharField):
    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        data_id = parse_data_id(text)
        if data_id is None:
            raise forms.ValidationError(
                "%(text)r is not a data id: give dimension=value pairs, e.g. run=545208791",
                code="invalid",
                params={"text": text},  # the text may hold '%': never formatted into the message itself
            )
        return data_id


class DataIdFilter(django_filters.Filter):
    field_class = DataIdField


class ProductFilter(PortalFilterSet):
    instrument = django_filters.ModelChoiceFilter(
        queryset=Instrument.objects.all(), to_field_name="name", help_text="short name, e.g. LAT"
    )
    collection = django_filters.CharFilter(
        method="in_collection", help_text="a RUN's products, a TAGGED collection's members, or a chain's"
    )
    data_id = DataIdFilter(
        method="with_data_id",
        help_text="dimension=value pairs, e.g. run=545208791 or mous=uid://A001/X12a3/X80e",
    )
    since = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte", help_text="written at or after")
    until = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt", help_text="written before")
    uuid = django_filters.UUIDFilter()

    class Meta:
        model = Product
        fields = [
            "instrument",
            "product_type",
            "collection",
            "data_id",
            "status",
            "current",
            "sha256",
            "site",
            "uuid",
        ]

    def in_collection(self, queryset, name, value):
        collection = Collection.objects.filter(name=value).first()
        if collection is None:
            return queryset.none()
        leaves = search_path(collection)  # itself, or every RUN and TAGGED collection a chain searches
        runs = [c.pk for c in leaves if c.kind == Collection.Kind.RUN]
        tags = [c.pk for c in leaves if c.kind == Collection.Kind.TAGGED]
        tagged = Exists(TagMembership.objects.filter(collection_id__in=tags, product_id=OuterRef("pk")))
        return queryset.filter(Q(collection_id__in=runs) | tagged)

    def with_data_id(self, queryset, name, data_id):
        instrument = self.form.cleaned_data.get("instrument")
        if instrument is None or set(data_id) - set(instrument.dimensions):
            # Without its instrument (or with keys not of it): every product holding these pairs.
            for key, text in data_id.items():
                queryset = queryset.filter(data_key__contains=f"|{key}={text}|")
            return queryset
        given = [d for d in instrument.dimensions if d in data_id]
        if given == instrument.dimensions[: len(given)]:
            # The leading dimensions: an indexed prefix match.
            prefix = f"{instrument.name}|" + "".join(f"{d}={data_id[d]}|" for d in given)
            return queryset.filter(data_key__startswith=prefix)
        for key in given:
            queryset = queryset.filter(data_key__contains=f"|{key}={data_id[key]}|")
        return queryset.filter(instrument=instrument)


def change_subject_choices() -> list[tuple[str, str]]:
    """What the change log is about: every tracked model, and the registry's objects events name."""
    models = [*tracked_models(), Collection, Product, Execution, Instrument]
    return [(model._meta.label_lower, capfirst(model._meta.verbose_name)) for model in models]


def change_kind_choices() -> list[tuple[str, str]]:
    """A state change, or any event kind an app declared (refusals under their codes)."""
    return [("transition", "State change"), *((kind.code, kind.label) for kind in declared_kinds())]


class ChangeFilter(PortalFilterSet):
    subject_model = django_filters.ChoiceFilter(label="Object type", choices=change_subject_choices)
    subject_id = django_filters.CharFilter(label="Object id")
    actor = django_filters.CharFilter(
        lookup_expr="icontains", label="Who", help_text="part of a user name, or of a task's name"
    )
    kind = django_filters.ChoiceFilter(label="What", choices=change_kind_choices)
    since = IsoDateTimeFilter(field_name="at", lookup_expr="gte", label="From", widget=TIME_INPUT)
    until = IsoDateTimeFilter(field_name="at", lookup_expr="lt", label="Until", widget=TIME_INPUT)

    class Meta:
        model = Change
        fields = ["subject_model", "subject_id", "actor", "kind", "since", "until"]


class ExecutionFilter(PortalFilterSet):
    status = django_filters.ChoiceFilter(choices=Execution.Status.choices)
    task_name = django_filters.CharFilter(lookup_expr="icontains", label="Task", help_text="part of its name")
    host = django_filters.CharFilter(label="Host")
    since = IsoDateTimeFilter(
        field_name="started_at", lookup_expr="gte", label="Started from", widget=TIME_INPUT
    )
    until = IsoDateTimeFilter(
        field_name="started_at", lookup_expr="lt", label="Started before", widget=TIME_INPUT
    )

    class Meta:
        model = Execution
        fields = ["status", "task_name", "host", "since", "until"]
