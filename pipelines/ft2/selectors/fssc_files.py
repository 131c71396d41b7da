"""The FSSC's list of a campaign's files against ours: files of ours missing at the FSSC, files it
lists that we did not make, and files both hold with different checksums: a constant number of
queries, whatever the number of files."""

from __future__ import annotations

from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Concat

from l2portal.registry.models import Product

from ..models import CampaignRun, FsscHeldFile, ReprocessingCampaign

LISTED = 50  # files named per difference on the page
DONE_STATES = ("ready", "delivered")


def _ours(campaign: ReprocessingCampaign):
    """The current flagged files of the campaign's finished runs."""
    runs = CampaignRun.objects.filter(campaign=campaign, state__in=DONE_STATES)
    return Product.objects.filter(
        Q(pk__in=Subquery(runs.values("ft2_1s"))) | Q(pk__in=Subquery(runs.values("ft2_30s")))
    )


def _held(campaign: ReprocessingCampaign):
    """The FSSC's files, each with the path it would have among ours."""
    return FsscHeldFile.objects.filter(campaign=campaign).annotate(
        path=Concat(Value(f"{campaign.collection.name}/"), "filename")
    )


def fssc_differences(campaign: ReprocessingCampaign, listed: int = LISTED) -> dict:
    """``{"missing"|"unknown"|"disagreeing": {"count", "files"}}`` and ``reported`` (whether the
    FSSC sent a list); ``files`` names up to ``listed`` of each."""
    ours, held = _ours(campaign), _held(campaign)
    missing = ours.exclude(path__in=held.values("path")).order_by("path")
    unknown = held.exclude(path__in=ours.values("path")).order_by("filename")
    disagreeing = (
        held.annotate(ours_sha256=Subquery(ours.filter(path=OuterRef("path")).values("sha256")[:1]))
        .filter(ours_sha256__isnull=False)
        .exclude(sha256=F("ours_sha256"))
        .order_by("filename")
    )
    return {
        "reported": held.exists(),
        "missing": {"count": missing.count(), "files": [p.filename for p in missing[:listed]]},
        "unknown": {"count": unknown.count(), "files": [f.filename for f in unknown[:listed]]},
        "disagreeing": {
            "count": disagreeing.count(),
            "files": [
                {"filename": f.filename, "fssc": f.sha256, "ours": f.ours_sha256}
                for f in disagreeing[:listed]
            ],
        },
    }
