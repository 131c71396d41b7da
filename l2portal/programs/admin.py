from django.contrib import admin

from l2portal.ledger.admin import TrackedAdmin

from .models import ObservingProgram


@admin.register(ObservingProgram)
class ObservingProgramAdmin(TrackedAdmin):
    list_display = ["execution_id", "proposal_id", "state", "priority", "owner", "ready_at"]
    list_filter = ["state", "proposal_id"]
    list_editable = ["priority"]
    search_fields = ["execution_id", "proposal_id"]
