"""OpenAPI examples of the FT2 campaigns' API: one realistic object of each kind (campaign P310 over
the runs of the P310 test reprocessing) and the refusals the writes may answer."""

from ...halfpipe.api.examples import RUN, SHA, product_ref

FT2_1S = f"gll_pt1s_p310_r0{RUN}_v001.fit"

# --- campaigns --------------------------------------------------------------------------------

CAMPAIGN_EXAMPLE = {
    "id": 1,
    "name": "P310",
    "first_run": RUN,
    "last_run": 546407418,
    "description": "Add SC_VELOCITY to FT2; apply BTIs",
    "file_version": 1,
    "proc_ver": 310,
    "data_qual": 2,
    "lat_config": 1,
    "current_pass": 1,
    "started_at": "2026-11-21T12:00:00Z",
    "definitions": "fermi-2019",
    "mode": "carry-forward",
    "livetime_source": "table",
    "backfills": 0,
    "backfilled_to": None,
    "runs_total": 14,
    "runs_done": 9,
    "runs_failed": 1,
    "runs_without_livetime": 0,
    "state": "running",
    "state_label": "Running",
    "state_changed_at": "2026-11-21T12:00:00Z",
    "created_at": "2026-11-21T11:58:00Z",
}
CAMPAIGN_BY_RANGE = {"name": "P310", "first_run": RUN, "last_run": 546407418}
CAMPAIGN_BY_LIST = {
    "name": "P311",
    "run_ids": [RUN, 545294791],
    "definitions": "fermi-2019",
    "mode": "generate",
    "livetime_source": "command",
}
CAMPAIGN_CREATED = CAMPAIGN_EXAMPLE | {"state": "defined", "current_pass": 0}
CAMPAIGN_REFUSED = {
    "code": "campaign_refused",
    "message": "campaign 'P311' refused: unknown data runs: 545294791",
    "details": {"name": "P311"},
}
START_RESULT_EXAMPLE = {"pass_number": 2, "queued": 1, "retried": 1, "skipped": 12}
BACKFILL_REQUEST = {"last_run": 546407418}
BACKFILL_RESULT = {"pass_number": 2, "queued": 3, "retried": 0, "skipped": 0, "added": 3}
BACKFILL_REFUSED = {
    "code": "campaign_refused",
    "message": f"backfill of P310 to run {RUN} refused: the campaign already reaches run 546407418; "
    "give a later run",
    "details": {"last_run": 546407418},
}
RETRY_RUNS_REQUEST = {"run_ids": [RUN, 546407418]}
RETRY_RUNS_RESULT = {"retried": [RUN, 546407418]}
RUNS_NOT_FAILED = {
    "code": "runs_not_failed",
    "message": f"campaign P310: only failed runs are retried and r0{RUN} (ready) is not failed; nothing "
    "was retried, reload the page and select again",
    "details": {"not_failed": {f"r0{RUN}": "ready"}},
}
UNKNOWN_RUNS = {
    "code": "unknown_runs",
    "message": "campaign P310 has no run 1; nothing was retried",
    "details": {"unknown": [1]},
}
NO_LIVETIME = {
    "code": "no_livetime_source",
    "message": f"campaign P310 cannot be released: 1 runs have FT2 files made without a livetime source "
    f"(LIVETIME 0): r0{RUN}; make its files again with a livetime source: register the run's livetime "
    "table (manage.py register_ft2_inputs) or set PIPELINES_LIVETIME_COMMAND, and process it in a "
    "campaign whose livetime source is table, command or previous-ft2",
    "details": {"runs": [f"r0{RUN}"]},
}
FSSC_FILE_LIST = {"files": [{"filename": FT2_1S, "sha256": SHA}]}
FSSC_FILE_LIST_RESULT = {"listed": 1, "missing": 27, "unknown": 0, "disagreeing": 0}
FSSC_DIFFERENCES = {
    "reported": True,
    "missing": {"count": 1, "files": [f"gll_pt_p310_r0{RUN}_v001.fit"]},
    "unknown": {"count": 1, "files": ["gll_pt1s_p310_r0545294791_v009.fit"]},
    "disagreeing": {"count": 1, "files": [{"filename": FT2_1S, "fssc": "00ff" + SHA[4:], "ours": SHA}]},
}
RELEASED_EXAMPLE = {
    "id": 7,
    "from_state": "validated",
    "to_state": "released",
    "at": "2026-11-22T09:00:00Z",
    "actor": "operator",
    "actor_task": "",
    "actor_task_id": "",
    "reason": "released",
    "details": {},
}
PROGRESS_EXAMPLE = {
    "total": 14,
    "done": 9,
    "failed": 1,
    "working": 1,
    "remaining": 4,
    "percent": 64,
    "rate_per_hour": 120.0,
    "eta": "2026-11-21T12:09:00Z",
}

CAMPAIGN_RUN_EXAMPLE = {
    "id": 3,
    "campaign": "P310",
    "run_id": RUN,
    "state": "ready",
    "state_label": "Ready for FSSC",
    "state_changed_at": "2026-11-21T12:01:00Z",
    "magic7": product_ref(10, f"RAW/magic7/raw_magic7_r0{RUN}_0a1b2c3d4e5f.txt", "magic7"),
    "ft2_1s_unflagged": product_ref(
        11, f"P310/unflagged/gll_pt1s_p310_r0{RUN}_v001_unflagged.fit", "ft2_1s_unflagged"
    ),
    "ft2_30s_unflagged": product_ref(
        12, f"P310/unflagged/gll_pt_p310_r0{RUN}_v001_unflagged.fit", "ft2_30s_unflagged"
    ),
    "ft2_1s": product_ref(13, f"P310/{FT2_1S}", "ft2_1s"),
    "ft2_30s": product_ref(14, f"P310/gll_pt_p310_r0{RUN}_v001.fit", "ft2_30s"),
    "bti_set": 2,
    "bti_version": 1,
    "parse_report": {
        "summary": "3605 lines: 3004 ATT, 601 ORB, no malformed lines",
        "counts": {},
        "problems": [],
    },
    "coverage": {
        "span": [RUN, RUN + 5760.0],
        "rows": 5760,
        "covered_seconds": 5760.0,
        "excused_seconds": 0.0,
        "share": 1.0,
        "gaps": [],
        "gap_count": 0,
        "gap_seconds": 0.0,
        "largest_gap": None,
        "rejected_lines": 0,
        "summary": f"5760 rows cover 100.00% of the run's 5,760 s (MET {RUN}..{RUN + 5760}); "
        "0 magic7 lines rejected",
        "minimum_share": 0.995,
    },
    "velocity_worst": 0.72,
    "velocity_passed": True,
    "fitsverify": "ok",
    "comparison": "same",
    "comparison_summary": f"1s vs the registered previous version (gll_pt1s_p202_r0{RUN}_v001.fit): "
    "no column other than the allowed ones changed",
    "comparison_details": [
        {
            "file": "1s",
            "against": f"gll_pt1s_p202_r0{RUN}_v001.fit",
            "same": True,
            "rows_new": 5700,
            "rows_previous": 5700,
            "columns": [],
            "changed_without_rows": [],
            "missing": [],
            "added": [],
        }
    ],
    "mode": "carry-forward",
    "previous_1s": product_ref(5, f"P202/gll_pt1s_p202_r0{RUN}_v001.fit", "ft2_1s"),
    "previous_30s": product_ref(6, f"P202/gll_pt_p202_r0{RUN}_v001.fit", "ft2_30s"),
    "provenance": {
        "mode": "carry-forward",
        "definitions": "kept from the previous version",
        "igrf": "kept from the previous version",
        "numpy": "2.3.1",
        "astropy": "7.1.0",
        "pyerfa": "2.0.1.5",
        "erfa": "2.0.1",
        "iers": "0.2025.6.30.0.39.40",
        "livetime_source": "previous-ft2",
        "livetime_input": f"gll_pt1s_p202_r0{RUN}_v001.fit",
    },
    "livetime_source": "previous-ft2",
    "joined_pass": 1,
    "qa_passed": True,
    "started_at": "2026-11-21T12:00:01Z",
    "finished_at": "2026-11-21T12:00:04Z",
    "created_at": "2026-11-21T11:58:00Z",
}

# --- BTI sets ---------------------------------------------------------------------------------

BTI_INTERVALS = [{"start": RUN + 30.0, "stop": RUN + 90.0, "value": -1}]
BTI_EXAMPLE = {
    "id": 2,
    "run_id": RUN,
    "version": 2,
    "creator_label": "operator",
    "reason": "solar flare",
    "submitted_at": "2026-11-21T12:00:00Z",
    "intervals": BTI_INTERVALS,
    "created_at": "2026-11-21T12:00:00Z",
    "active": True,
}
BTI_SUBMISSION = {"run_id": RUN, "reason": "solar flare", "intervals": BTI_INTERVALS}
BTI_REFUSED = {
    "code": "bti_set_refused",
    "message": f"BTI set for run {RUN} refused: interval 1: interval stop {RUN + 30.0} is not after "
    f"start {RUN + 90.0}; correct it and submit it again",
    "details": {"problems": [f"interval 1: interval stop {RUN + 30.0} is not after start {RUN + 90.0}"]},
}

# --- FSSC -------------------------------------------------------------------------------------

FSSC_PRODUCT_EXAMPLE = {
    "id": 21,
    "product_id": 13,
    "filename": FT2_1S,
    "path": f"P310/{FT2_1S}",
    "product_type": "ft2_1s",
    "size": 1048320,
    "sha256": SHA,
    "download_url": "https://l2portal.example.org/api/fssc/products/21/download/",
    "campaign": "P310",
    "run_id": RUN,
    "state": "ready",
    "state_label": "Ready for transfer",
    "state_changed_at": "2026-11-21T12:00:04Z",
    "created_at": "2026-11-21T12:00:04Z",
}
TRANSFERRED_REPORT = {"stage": "transfer", "result": "ok", "sha256": SHA}
RECEIPT = {
    "stage": "transfer",
    "result": "ok",
    "sha256": SHA,
    "message": "FSSC transfer ok",
    "state": "transferred",
    "recorded_at": "2026-11-21T12:10:00Z",
}
INGEST_FAILED_REPORT = {"stage": "ingest", "result": "failed", "message": "FITS header rejected"}
CHECKSUM_MISMATCH = {
    "code": "fssc_checksum_mismatch",
    "message": f"{FT2_1S}: the FSSC reports sha256 00ff... but the registered sha256 is {SHA}; the "
    "transfer is not accepted and the file stays ready: download it again and report its sha256",
    "details": {"stage": "transfer", "reported": "00ff...", "expected": SHA},
}

# --- switchover -------------------------------------------------------------------------------

SWITCHOVER_EXAMPLE = {
    "id": 1,
    "campaign": "P310",
    "proposed_date": "2026-12-01",
    "proposed_by": "operator",
    "note": "FSSC switches the public FT2 files to P310",
    "l1_software": "GlastRelease 20-10-04",
    "l1_from": "2026-12-01T00:00:00Z",
    "state": "operator_agreed",
    "state_label": "Agreed by operator",
    "state_changed_at": "2026-11-21T12:00:00Z",
    "created_at": "2026-11-21T11:00:00Z",
}
SWITCHOVER_PROPOSAL = {
    "campaign": "P310",
    "proposed_date": "2026-12-01",
    "note": "",
    "l1_software": "GlastRelease 20-10-04",
    "l1_from": "2026-12-01T00:00:00Z",
}
SWITCHOVER_CONDITIONS = [
    {"name": "campaign validated", "met": True, "detail": "campaign P310 is Validated"},
    {
        "name": "L1 software switched",
        "met": False,
        "detail": "L1 switches to GlastRelease 20-10-04 from 2026-12-01 00:00:00+00:00: not made yet "
        "(record it once agreed)",
    },
    {
        "name": "backfill done",
        "met": True,
        "detail": "backfill reached run 546407418: every run before the L1 switch is in",
    },
    {"name": "every run ingested at the FSSC", "met": False, "detail": f"1 runs not ingested yet: r0{RUN}"},
]
SWITCHOVER_NOT_READY = {
    "code": "switchover_not_ready",
    "message": "the switchover to P310 on 2026-12-01 cannot be completed: L1 software switched: ...; "
    f"every run ingested at the FSSC: 1 runs not ingested yet: r0{RUN}",
    "details": {"missing": ["L1 software switched", "every run ingested at the FSSC"]},
}
