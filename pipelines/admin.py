from django.contrib import admin

from l2portal.ledger.admin import ReadOnlyAdmin, ReadOnlyInline, TrackedAdmin

from .models import (
    BtiInterval,
    BtiSet,
    CampaignRun,
    Chunk,
    DataRun,
    Downlink,
    FsscDelivery,
    FsscHeldFile,
    Magic7Input,
    MergeVersion,
    ReprocessingCampaign,
    Switchover,
)


# Downlinks, chunks and runs: the retry action (TrackedAdmin) re-runs a failed chunk, merge or
# Level 1 through the ledger's retry, as the downlink page does.
@admin.register(Downlink)
class DownlinkAdmin(TrackedAdmin):
    list_display = ["downlink_id", "state", "chunk_count", "folder", "generated_at", "state_changed_at"]
    search_fields = ["downlink_id"]
    readonly_fields = [f.name for f in Downlink._meta.fields if f.name != "id"]


@admin.register(Chunk)
class ChunkAdmin(TrackedAdmin):
    list_display = ["downlink", "number", "state", "filename", "records", "state_changed_at"]
    list_filter = ["state"]
    list_select_related = ["downlink"]
    search_fields = ["downlink__downlink_id", "filename"]
    readonly_fields = [f.name for f in Chunk._meta.fields if f.name != "id"]


class MergeVersionInline(ReadOnlyInline):
    model = MergeVersion
    fields = readonly_fields = ["version", "downlink", "status", "events", "added", "duplicates", "product"]


@admin.register(DataRun)
class DataRunAdmin(TrackedAdmin):
    list_display = ["run_id", "state", "state_changed_at"]
    search_fields = ["run_id"]

    def get_inlines(self, request, obj):
        return [MergeVersionInline, *super().get_inlines(request, obj)]


@admin.register(MergeVersion)
class MergeVersionAdmin(ReadOnlyAdmin):
    list_display = ["data_run", "version", "downlink", "status", "events", "added", "duplicates", "merged_at"]
    list_filter = ["status"]
    list_select_related = ["data_run", "downlink"]
    search_fields = ["data_run__run_id", "downlink__downlink_id"]
    readonly_fields = [f.name for f in MergeVersion._meta.fields]


@admin.register(ReprocessingCampaign)
class ReprocessingCampaignAdmin(TrackedAdmin):
    list_display = [
        "name",
        "state",
        "definitions",
        "mode",
        "livetime_source",
        "first_run",
        "last_run",
        "current_pass",
    ]
    search_fields = ["name"]
    # What made its files is fixed at creation: a change is a new campaign.
    readonly_fields = [
        *TrackedAdmin.readonly_fields,
        "current_pass",
        "started_at",
        "definitions",
        "mode",
        "livetime_source",
        "backfills",
        "backfilled_to",
    ]


@admin.register(CampaignRun)
class CampaignRunAdmin(TrackedAdmin):
    list_display = [
        "campaign",
        "data_run",
        "state",
        "mode",
        "livetime_source",
        "velocity_worst",
        "fitsverify",
        "comparison",
        "qa_passed",
    ]
    list_filter = ["state", "campaign", "mode", "livetime_source", "qa_passed", "fitsverify", "comparison"]
    list_select_related = ["campaign", "data_run"]
    search_fields = ["data_run__run_id"]
    raw_id_fields = [
        "magic7",
        "previous_1s",
        "previous_30s",
        "ft2_1s_unflagged",
        "ft2_30s_unflagged",
        "ft2_1s",
        "ft2_30s",
        "previous",
    ]
    readonly_fields = [f.name for f in CampaignRun._meta.fields if f.name != "id"]

    def has_add_permission(self, request):
        return False  # runs are selected by creating a campaign


@admin.register(FsscDelivery)
class FsscDeliveryAdmin(TrackedAdmin):
    list_display = ["product", "campaign_run", "state", "state_changed_at"]
    list_select_related = ["product", "campaign_run__campaign", "campaign_run__data_run"]
    readonly_fields = [*TrackedAdmin.readonly_fields, "product", "campaign_run"]

    def has_add_permission(self, request):
        return False  # offered when a run is validated


@admin.register(Switchover)
class SwitchoverAdmin(TrackedAdmin):
    list_display = [
        "campaign",
        "proposed_date",
        "l1_software",
        "l1_from",
        "proposed_by",
        "state",
        "state_changed_at",
    ]
    list_select_related = ["campaign"]
    readonly_fields = [*TrackedAdmin.readonly_fields, "l1_software", "l1_from"]  # what both sides agreed to


@admin.register(FsscHeldFile)
class FsscHeldFileAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "filename", "sha256", "listed_at"]
    list_filter = ["campaign"]
    search_fields = ["filename"]


@admin.register(Magic7Input)
class Magic7InputAdmin(admin.ModelAdmin):
    list_display = ["data_run", "product", "met_start", "met_stop", "created_at"]
    list_select_related = ["data_run", "product"]
    raw_id_fields = ["product"]
    search_fields = ["data_run__run_id"]


class BtiIntervalInline(ReadOnlyInline):
    model = BtiInterval
    fields = readonly_fields = ["start", "stop", "value"]


@admin.register(BtiSet)
class BtiSetAdmin(ReadOnlyAdmin):
    """Sets are submitted through the API or `submit_bti` and never change afterwards (a
    correction is a new version), so the admin only shows them."""

    list_display = ["data_run", "version", "creator_label", "submitted_at", "reason"]
    list_select_related = ["data_run"]
    search_fields = ["data_run__run_id"]
    readonly_fields = [f.name for f in BtiSet._meta.fields]
    inlines = [BtiIntervalInline]
