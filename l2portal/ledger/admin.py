"""Operators' admin: every model registered; history read-only (the change log too); retry for failed
items."""

from django import forms
from django.contrib import admin, messages

from . import services
from .models import (
    Change,
    Collection,
    CollectionChild,
    Execution,
    FanIn,
    Instrument,
    LedgerEvent,
    Product,
    RetentionRule,
    TagChange,
)
from .states import ERROR, TransitionNotAllowed


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services (scans, events, submitted sets): operators read them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def transitions_inline(tracked_model):
    """A read-only inline of a tracked model's history."""
    return type(
        f"{tracked_model.__name__}TransitionInline",
        (ReadOnlyInline,),
        {
            "model": tracked_model.transition_model(),
            "fields": ["at", "from_state", "to_state", "actor", "reason", "details"],
            "readonly_fields": ["at", "from_state", "to_state", "actor", "reason", "details"],
            "ordering": ["-at"],
        },
    )


@admin.action(description="Retry selected failed items from the step that failed")
def retry_failed(modeladmin, request, queryset):
    actor = services.Actor.of_user(request.user)
    retried = 0
    for obj in queryset.filter(state=ERROR):
        try:
            services.retry(obj, actor)
            retried += 1
        except TransitionNotAllowed as exc:
            modeladmin.message_user(request, str(exc), messages.ERROR)
    modeladmin.message_user(request, f"{retried} item(s) sent back to the step that failed.")


class TrackedAdmin(admin.ModelAdmin):
    """State is changed only through transitions: read-only here, with the history inline."""

    actions = [retry_failed]
    list_filter = ["state"]
    readonly_fields = ["state", "state_changed_at", "created_at"]

    def get_inlines(self, request, obj):
        return [transitions_inline(self.model)]

    def has_delete_permission(self, request, obj=None):
        return False  # history is append-only and protects its subject


class CollectionChildInline(ReadOnlyInline):
    model = CollectionChild
    fk_name = "parent"
    fields = ["position", "child"]
    readonly_fields = ["position", "child"]
    ordering = ["position"]


class CollectionForm(forms.ModelForm):
    search_path = forms.CharField(
        required=False,
        help_text="CHAINED: the collections it searches, in order, separated by commas (e.g. P310, P202)",
    )

    class Meta:
        model = Collection
        fields = ["name", "kind", "description", "expires_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.kind == Collection.Kind.CHAINED:
            names = self.instance.child_links.order_by("position").values_list("child__name", flat=True)
            self.fields["search_path"].initial = ", ".join(names)

    def clean_search_path(self):
        return [name.strip() for name in self.cleaned_data["search_path"].split(",") if name.strip()]


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    """Collections are made through the registry's services: a chain's search path is checked
    (no cycles, children that exist), a RUN records where it started."""

    form = CollectionForm
    list_display = ["name", "kind", "site", "host", "began_at", "ended_at", "expires_at"]
    list_filter = ["kind", "site"]
    search_fields = ["name"]
    inlines = [CollectionChildInline]

    def get_readonly_fields(self, request, obj=None):
        return ["name", "kind"] if obj else []

    def save_model(self, request, obj, form, change):
        actor = services.Actor.of_user(request.user)
        if obj.kind == Collection.Kind.CHAINED:
            saved = services.set_chain(obj.name, form.cleaned_data["search_path"], actor, obj.description)
        elif obj.kind == Collection.Kind.TAGGED:
            saved = services.get_tagged_collection(obj.name, obj.description)
        else:
            saved = services.get_run_collection(obj.name, obj.description)
        Collection.objects.filter(pk=saved.pk).update(description=obj.description, expires_at=obj.expires_at)
        obj.pk = saved.pk
        obj.refresh_from_db()


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "path",
        "collection",
        "product_type",
        "instrument",
        "version",
        "current",
        "size",
        "status",
    ]
    list_filter = ["product_type", "status", "current", "instrument", "collection"]
    search_fields = ["path", "sha256", "uuid", "data_key"]
    readonly_fields = [f.name for f in Product._meta.fields]
    list_select_related = ["collection", "instrument"]

    def has_add_permission(self, request):
        return False


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    """Registered once: a saved instrument's name and dimensions never change."""

    list_display = ["name", "full_name", "observatory", "dimensions", "site"]
    fields = ["name", "full_name", "observatory", "dimensions", "description"]

    def get_readonly_fields(self, request, obj=None):
        return ["name", "dimensions"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        registered = services.register_instrument(
            obj.name,
            obj.full_name,
            obj.observatory,
            obj.dimensions,
            services.Actor.of_user(request.user),
            obj.description,
        )
        obj.pk = registered.pk

    def has_delete_permission(self, request, obj=None):
        return False  # products name it


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    """Applied every hour and by manage.py purge; see purge --dry-run before enabling one."""

    list_display = ["name", "product_type", "collection", "keep", "days", "successor_type", "enabled"]
    list_filter = ["keep", "enabled"]
    list_editable = ["enabled"]
    search_fields = ["name", "product_type"]

    def save_model(self, request, obj, form, change):
        services.save_retention_rule(obj, services.Actor.of_user(request.user))


@admin.register(TagChange)
class TagChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "collection", "product", "action", "actor", "reason"]
    list_filter = ["action", "collection"]
    list_select_related = ["collection", "product"]
    readonly_fields = ["uuid", "site", "collection", "product", "action", "at", "actor", "reason"]


class ExecutionInputInline(ReadOnlyInline):
    model = Execution.inputs.through
    verbose_name = "input"


@admin.register(Execution)
class ExecutionAdmin(admin.ModelAdmin):
    list_display = ["task_name", "status", "host", "started_at", "finished_at"]
    list_filter = ["status", "task_name", "host"]
    search_fields = ["task_name", "task_id", "error"]
    readonly_fields = [f.name for f in Execution._meta.fields if f.name != "subject"]
    inlines = [ExecutionInputInline]

    def has_add_permission(self, request):
        return False


@admin.register(FanIn)
class FanInAdmin(admin.ModelAdmin):
    list_display = ["key", "expected", "continuation", "fired_at"]
    readonly_fields = ["key", "expected", "continuation", "continuation_kwargs", "created_at", "fired_at"]


@admin.register(LedgerEvent)
class LedgerEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "actor", "message"]
    list_filter = ["kind"]
    readonly_fields = ["at", "kind", "subject_type", "subject_id", "actor", "message", "details"]


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin):
    """The change log (the registry's change log page shows the same rows): every move and event."""

    list_display = ["at", "kind", "subject_model", "subject_id", "actor", "from_state", "to_state", "message"]
    list_filter = ["kind", "subject_model"]
    search_fields = ["actor", "subject_id"]
    show_full_result_count = False  # no second COUNT over all history
    readonly_fields = list_display
