"""The page of one campaign run: its files (inputs, previous version, outputs), what decided their
numbers, the livetime warning, the magic7 parse report and the coverage bar, the comparison by
column and row, its history and its executions (each one click from its log); why it failed is the
ledger's failure component. A constant number of queries."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from l2portal.ledger.models import Execution

from ... import conf
from ..models import CampaignRun
from .coverage_bar import coverage_bar

FILE_ROLES = (
    ("magic7", "input: magic7"),
    ("previous_1s", "previous version, 1 s"),
    ("previous_30s", "previous version, 30 s"),
    ("ft2_1s_unflagged", "unflagged, 1 s"),
    ("ft2_30s_unflagged", "unflagged, 30 s"),
    ("ft2_1s", "FT2, 1 s"),
    ("ft2_30s", "FT2, 30 s"),
)
PROVENANCE_SHOWN = ("definitions", "igrf", "igrf_sha256", "numpy", "astropy", "pyerfa", "erfa", "iers")


def campaign_run_context(pk: int) -> dict:
    run = CampaignRun.objects.select_related(
        "campaign", "data_run", "bti_set", "previous__campaign", *(role for role, _ in FILE_ROLES)
    ).get(pk=pk)
    files = [(label, getattr(run, role)) for role, label in FILE_ROLES if getattr(run, role) is not None]
    executions = Execution.objects.filter(
        subject_type=ContentType.objects.get_for_model(CampaignRun), subject_id=str(run.pk)
    ).order_by("-started_at", "-id")
    provenance = [(key, run.provenance[key]) for key in PROVENANCE_SHOWN if key in run.provenance]
    return {
        "run": run,
        "files": files,
        "provenance": provenance,
        "gaps": run.provenance.get("telemetry_gaps", []),
        "coverage": coverage_bar(run.coverage, conf.ft2_known_gaps()),
        "history": run.transitions.order_by("at", "id"),
        "deliveries": run.deliveries.select_related("product").order_by("product__path"),
        "executions": executions,
    }
