from django.contrib import admin, messages

from l2portal.ledger.admin import ReadOnlyInline, TrackedAdmin, transitions_inline
from l2portal.ledger.refusals import Refused
from l2portal.ledger.services import Actor

from . import services
from .models import RestoreRequest, StagedFile


@admin.action(description="Cancel selected restores (a running pipeline is stopped)")
def cancel_restores(modeladmin, request, queryset):
    actor = Actor.of_user(request.user)
    cancelled = 0
    for restore in queryset:
        try:
            services.cancel(restore, actor)
            cancelled += 1
        except Refused as error:
            modeladmin.message_user(request, error.message, messages.ERROR)
    modeladmin.message_user(request, f"{cancelled} restore(s) cancelled or asked to stop.")


class StagedFileInline(ReadOnlyInline):
    model = StagedFile
    fields = [
        "kind",
        "relative_path",
        "expected_size",
        "size",
        "checksum_variant",
        "checksum",
        "sha256",
        "status",
        "error",
        "attempts",
    ]
    readonly_fields = fields


@admin.register(RestoreRequest)
class RestoreRequestAdmin(TrackedAdmin):
    actions = [*TrackedAdmin.actions, cancel_restores]
    list_display = ["mous_uid", "state", "requested_by", "restorable", "progress_note", "state_changed_at"]
    list_filter = ["state", "restorable"]
    list_select_related = ["requested_by"]
    search_fields = ["mous_uid", "requested_by__username"]
    # Requests are made on the restore page or through the API, and change only through their steps.
    readonly_fields = [f.name for f in RestoreRequest._meta.fields]

    def has_add_permission(self, request):
        return False

    def get_inlines(self, request, obj):
        return [transitions_inline(self.model), StagedFileInline]


@admin.register(StagedFile)
class StagedFileAdmin(admin.ModelAdmin):
    list_display = ["relative_path", "request", "kind", "status", "size", "updated_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["request"]
    search_fields = ["name", "request__mous_uid"]
    readonly_fields = [f.name for f in StagedFile._meta.fields]

    def has_add_permission(self, request):
        return False
