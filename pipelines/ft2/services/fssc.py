"""FSSC deliveries: the FSSC reports the transfer and the ingest of each offered file (its receipts);
a run whose current 1-s and 30-s files are both ingested is delivered. A receipt sent again (a
client retrying after a timeout) is answered with the one recorded and changes nothing; a different
receipt for a stage this attempt already has is refused."""

from __future__ import annotations

from l2portal.ledger import services as ledger
from l2portal.ledger.refusals import Refused
from l2portal.ledger.roles import FSSC, OPERATOR
from l2portal.ledger.services import Actor
from l2portal.ledger.services.refusing import atomic_refusing

from ..models import CampaignRun, FsscDelivery

REPORT_TARGETS = {("transfer", "ok"): "transferred", ("ingest", "ok"): "ingested"}


class ChecksumMismatch(Refused):
    """The FSSC reports a sha256 other than the registered one; the delivery stays as it was."""

    code = "fssc_checksum_mismatch"


class ReceiptConflict(Refused):
    """The FSSC sends a receipt for a stage it already reported otherwise; the first one stands."""

    code = "fssc_receipt_conflict"


def _receipt(stage: str, result: str, sha256: str, reason: str) -> dict:
    return {"stage": stage, "result": result, "sha256": sha256.lower(), "reason": reason}


def _receipt_of(row) -> dict:
    details = row.details
    return _receipt(details["stage"], details["result"], details.get("sha256", ""), row.reason)


def _recorded_receipt(delivery: FsscDelivery, actor: Actor, receipt: dict):
    """The transition that recorded this receipt, when it is a repeat; refuses a different receipt
    for a stage of the current attempt (receipts since the last failure: after a failure the FSSC
    pulls the file again and reports anew)."""
    receipts = [row for row in delivery.transitions.order_by("id") if "stage" in row.details]
    if receipts and _receipt_of(receipts[-1]) == receipt:
        return receipts[-1]
    if delivery.state == "failed":
        return None
    failures = [index for index, row in enumerate(receipts) if row.details["result"] != "ok"]
    attempt = receipts[failures[-1] + 1 :] if failures else receipts
    for row in attempt:
        recorded = _receipt_of(row)
        if recorded["stage"] != receipt["stage"]:
            continue
        if recorded == receipt:
            return row
        ledger.refuse(
            ReceiptConflict(
                f"{delivery.product.filename}: the FSSC's {receipt['stage']} receipt "
                f"({recorded['result']}, {row.at:%Y-%m-%d %H:%M:%S} UTC) is already recorded and this one "
                f"differs; the file stays {delivery.state}. If the file must be sent again, report its "
                f"ingest as failed first, then pull it and report the new {receipt['stage']}",
                details={"recorded": recorded, "sent": receipt, "recorded_at": row.at.isoformat()},
            ),
            actor,
            delivery,
        )
    return None


def report_delivery(
    delivery: FsscDelivery, actor: Actor, stage: str, result: str, sha256: str = "", message: str = ""
):
    """Record the FSSC's transfer or ingest result for one file (a receipt) and return its
    transition; the same receipt again returns the one recorded. An ok report must carry the
    file's sha256; a different one is refused, recorded as an event, and the state stays."""
    ledger.require_role(actor, FSSC, OPERATOR, to=f"report on FSSC deliveries ({delivery})", subject=delivery)
    reason = message or f"FSSC {stage} {result}"
    with atomic_refusing(actor):
        # One receipt of a delivery at a time: a retry racing its first send finds it recorded.
        delivery = FsscDelivery.objects.select_for_update().select_related("product").get(pk=delivery.pk)
        recorded = _recorded_receipt(delivery, actor, _receipt(stage, result, sha256, reason))
        if recorded is not None:
            return recorded
        return _record_receipt(delivery, actor, stage, result, sha256, reason)


def _record_receipt(delivery: FsscDelivery, actor: Actor, stage: str, result: str, sha256: str, reason: str):
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
    row = ledger.transition(
        delivery, target, actor, reason, stage=stage, result=result, sha256=sha256.lower()
    )
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
