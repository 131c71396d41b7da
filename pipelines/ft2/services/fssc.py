"""FSSC deliveries: the FSSC reports the transfer and the ingest of each offered file; a run whose
current 1-s and 30-s files are both ingested is delivered."""

from __future__ import annotations

from l2portal.ledger import services as ledger
from l2portal.ledger.refusals import Refused
from l2portal.ledger.roles import FSSC, OPERATOR
from l2portal.ledger.services import Actor

from ..models import CampaignRun, FsscDelivery

REPORT_TARGETS = {("transfer", "ok"): "transferred", ("ingest", "ok"): "ingested"}


class ChecksumMismatch(Refused):
    """The FSSC reports a sha256 other than the registered one; the delivery stays as it was."""

    code = "fssc_checksum_mismatch"


def report_delivery(
    delivery: FsscDelivery, actor: Actor, stage: str, result: str, sha256: str = "", message: str = ""
):
    """Record the FSSC's transfer or ingest result for one file. An ok report must carry the
    file's sha256; a different one is refused, recorded as an event, and the state stays."""
    ledger.require_role(actor, FSSC, OPERATOR, to=f"report on FSSC deliveries ({delivery})", subject=delivery)
    product = delivery.product
    if result == "ok" and sha256.lower() != product.sha256:
        ledger.refuse(
            ChecksumMismatch(
                f"{product.filename}: the FSSC reports sha256 {sha256 or '(none)'} but the registered "
                f"sha256 is {product.sha256}; the {stage} is not accepted and the file stays "
                f"{delivery.state}: download it again and report its sha256",
                details={"stage": stage, "reported": sha256, "expected": product.sha256},
            ),
            actor,
            delivery,
        )
    target = REPORT_TARGETS.get((stage, result), "failed")
    reason = message or f"FSSC {stage} {result}"
    row = ledger.transition(delivery, target, actor, reason, stage=stage, result=result, sha256=sha256)
    if target == "ingested":
        _deliver_run_if_ingested(delivery.campaign_run_id, actor)
    return row


def _deliver_run_if_ingested(run_pk: int, actor: Actor) -> None:
    run = CampaignRun.objects.get(pk=run_pk)
    current = {run.ft2_1s_id, run.ft2_30s_id}
    ingested = set(
        run.deliveries.filter(state="ingested", product_id__in=current).values_list("product_id", flat=True)
    )
    if run.state == "ready" and ingested == current:
        ledger.transition(run, "delivered", actor, "1-s and 30-s files ingested by the FSSC")
