"""Operators' admin of the kernel (executions, fan-ins, events, the change log, read-only) and the
bases every app's admin uses: read-only history, retry for failed items."""

from django.contrib import admin, messages

from . import services
from .models import Change, Execution, FanIn, LedgerEvent
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
