"""HalfPipe operations, one module per use case: register a downlink folder (ingest), decode its
chunks, plan and merge the run versions they bring, take each through Level 1 (level1: its step,
run by pipelines.ft2.services.level1_ft2, which makes its FT2 files), resume a Level 1 held for a
livetime source, tell online monitoring, purge the staging files; register a run's magic7
telemetry. The only place in HalfPipe where states change, roles are checked and tasks are
enqueued."""

from .chunks import decode_chunk
from .downlinks import advance_downlink
from .ingest import DownlinkRefused, ingest_downlink
from .level1_resume import RunNotHeld, resume_level1
from .magic7 import Magic7Refused, latest_magic7, magic7_collection, register_magic7
from .online import notify_online
from .run_merges import merge_run
from .staging import expired_staging_files, purge_staging

__all__ = [
    "DownlinkRefused",
    "Magic7Refused",
    "RunNotHeld",
    "advance_downlink",
    "decode_chunk",
    "expired_staging_files",
    "ingest_downlink",
    "latest_magic7",
    "magic7_collection",
    "merge_run",
    "notify_online",
    "purge_staging",
    "register_magic7",
    "resume_level1",
]
