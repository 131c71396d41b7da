from django.contrib import admin

from l2portal.ledger.admin import TrackedAdmin

from .models import RestoreRequest


@admin.register(RestoreRequest)
class RestoreRequestAdmin(TrackedAdmin):
    list_display = ["mous_uid", "state", "requested_by", "restorable", "state_changed_at"]
    search_fields = ["mous_uid"]
