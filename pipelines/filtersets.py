"""Filters of the pipelines lists (campaign runs, BTI sets, FSSC products), shared by pages and API."""

import django_filters

from .models import BtiSet, CampaignRun, FsscDelivery


class CampaignRunFilter(django_filters.FilterSet):
    campaign = django_filters.CharFilter(field_name="campaign__name")
    run_id = django_filters.NumberFilter(field_name="data_run__run_id")

    class Meta:
        model = CampaignRun
        fields = ["campaign", "state", "run_id", "qa_passed"]


class BtiSetFilter(django_filters.FilterSet):
    run_id = django_filters.NumberFilter(field_name="data_run__run_id")

    class Meta:
        model = BtiSet
        fields = ["run_id", "version"]


class FsscProductFilter(django_filters.FilterSet):
    campaign = django_filters.CharFilter(field_name="campaign_run__campaign__name")
    product_type = django_filters.CharFilter(field_name="product__product_type")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = FsscDelivery
        fields = ["campaign", "product_type", "state", "since"]
