"""Filters of the FT2 campaigns' lists (campaigns, campaign runs, BTI sets, FSSC products), shared
by pages and API."""

import django_filters

from l2portal.portal.api.filters import IntegerFilter, IsoDateTimeFilter, PortalFilterSet

from .models import BtiSet, CampaignRun, FsscDelivery, ReprocessingCampaign


class ReprocessingCampaignFilter(PortalFilterSet):
    class Meta:
        model = ReprocessingCampaign
        fields = ["state", "name"]


class CampaignRunFilter(PortalFilterSet):
    campaign = django_filters.CharFilter(field_name="campaign__name", label="Campaign")
    run_id = IntegerFilter(field_name="data_run__run_id", label="Run")
    mode = django_filters.ChoiceFilter(choices=ReprocessingCampaign.Mode.choices)
    livetime_source = django_filters.ChoiceFilter(
        choices=ReprocessingCampaign.LivetimeSource.choices, help_text="none: files not releasable"
    )

    class Meta:
        model = CampaignRun
        fields = ["campaign", "state", "run_id", "qa_passed", "mode", "livetime_source", "joined_pass"]


class BtiSetFilter(PortalFilterSet):
    run_id = IntegerFilter(field_name="data_run__run_id")

    class Meta:
        model = BtiSet
        fields = ["run_id", "version"]


class FsscProductFilter(PortalFilterSet):
    campaign = django_filters.CharFilter(field_name="campaign_run__campaign__name")
    product_type = django_filters.CharFilter(field_name="product__product_type")
    since = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = FsscDelivery
        fields = ["campaign", "product_type", "state", "since"]
