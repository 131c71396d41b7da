"""The list of run files the FSSC holds for a campaign, posted by the FSSC: it replaces the list
before, and the campaign page compares it with the files the campaign made."""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.utils import timezone

from l2portal.ledger import services as ledger
from l2portal.ledger.bulk import insert_rows
from l2portal.ledger.refusals import InvalidRequest
from l2portal.ledger.roles import FSSC, OPERATOR
from l2portal.ledger.services import Actor

from ... import events
from ..models import FsscHeldFile, ReprocessingCampaign
from ..selectors.fssc_files import fssc_differences


class FileListRefused(InvalidRequest):
    """An FSSC file list naming a file twice; the previous list stays."""

    code = "fssc_file_list_refused"


def record_fssc_files(campaign: ReprocessingCampaign, files: list[dict], actor: Actor) -> dict:
    """Replace the FSSC's list for ``campaign`` with ``files`` ({"filename", "sha256"} each);
    returns the differences' counts. A filename listed twice refuses the whole list."""
    ledger.require_role(actor, FSSC, OPERATOR, to=f"report the files held for {campaign}", subject=campaign)
    repeated = sorted(name for name, count in Counter(e["filename"] for e in files).items() if count > 1)
    if repeated:
        ledger.refuse(
            FileListRefused(
                f"the file list for {campaign} names {len(repeated)} files twice "
                f"({', '.join(repeated[:5])}); send each file once",
                details={"repeated": repeated},
            ),
            actor,
            campaign,
        )
    now = timezone.now()
    with transaction.atomic():
        ReprocessingCampaign.objects.select_for_update().filter(pk=campaign.pk).get()
        FsscHeldFile.objects.filter(campaign=campaign).delete()
        insert_rows(
            FsscHeldFile,
            [
                {
                    "campaign_id": campaign.pk,
                    "filename": e["filename"],
                    "sha256": e["sha256"].lower(),
                    "listed_at": now,
                }
                for e in files
            ],
        )
        differences = fssc_differences(campaign, listed=0)
        counts = {key: differences[key]["count"] for key in ("missing", "unknown", "disagreeing")}
        ledger.record_event(
            events.FSSC_FILE_LIST,
            f"the FSSC lists {len(files)} files for {campaign}: {counts['missing']} of ours missing there, "
            f"{counts['unknown']} unknown to us, {counts['disagreeing']} with another sha256",
            actor,
            subject=campaign,
            listed=len(files),
            **counts,
        )
    return {"listed": len(files), **counts}
