from django.contrib import admin

from l2portal.ledger.admin import TrackedAdmin

from .models import Chunk, DataRun, Downlink, ReprocessingCampaign


@admin.register(Downlink)
class DownlinkAdmin(TrackedAdmin):
    list_display = ["downlink_id", "state", "chunk_count", "state_changed_at"]
    search_fields = ["downlink_id"]


@admin.register(Chunk)
class ChunkAdmin(TrackedAdmin):
    list_display = ["downlink", "number", "state", "state_changed_at"]
    list_select_related = ["downlink"]


@admin.register(DataRun)
class DataRunAdmin(TrackedAdmin):
    list_display = ["run_id", "state", "state_changed_at"]
    search_fields = ["run_id"]


@admin.register(ReprocessingCampaign)
class ReprocessingCampaignAdmin(TrackedAdmin):
    list_display = ["name", "state", "first_run", "last_run", "state_changed_at"]
    search_fields = ["name"]
