"""OpenAPI examples of HalfPipe's API: a downlink, one of its chunks (failed), a data run with its
merge versions."""

RUN = 545208791
SHA = "3f1c0d5e9a7b2c4d6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f"


def product_ref(pk, path, product_type):
    return {"id": pk, "path": path, "product_type": product_type, "sha256": SHA}


DOWNLINK_EXAMPLE = {
    "id": 1,
    "downlink_id": 230401001,
    "chunk_count": 4,
    "folder": "230401001",
    "generated_at": "2023-04-01T00:04:00Z",
    "chunks_done": 4,
    "chunks_failed": 0,
    "runs_count": 2,
    "state": "merging",
    "state_label": "Merging runs",
    "state_changed_at": "2026-11-21T12:00:00Z",
    "created_at": "2026-11-21T11:00:00Z",
}
CHUNK_EXAMPLE = {
    "id": 3,
    "downlink": 230401001,
    "number": 3,
    "filename": "230401001-00003.chunk",
    "retdef": "RetDef-230401001-00003.xml",
    "size": 129344,
    "sha256": SHA,
    "span_start": 545211471.0,
    "span_stop": 545212841.0,
    "runs": [RUN, 545212791],
    "records": 2693,
    "state": "error",
    "state_label": "Error",
    "state_changed_at": "2026-11-21T12:00:00Z",
    "created_at": "2026-11-21T11:00:00Z",
}
MERGED = f"P305/{RUN:08x}/P305_r0{RUN}_{RUN:08x}_evt_v002.fits"
DATA_RUN_EXAMPLE = {
    "id": 1,
    "run_id": RUN,
    "run_start_hex": f"{RUN:08x}",
    "versions": [
        {
            "version": 2,
            "downlink": 230401002,
            "status": "level1_done",
            "events": 5120,
            "added": 2410,
            "duplicates": 37,
            "records": 5194,
            "file": product_ref(12, MERGED, "merged_events"),
            "level1_ft1": product_ref(
                13, f"P305/{RUN:08x}/level1/gll_ev_p305_r0{RUN}_v002.fit", "level1_ft1"
            ),
            "merged_at": "2026-11-21T12:10:00Z",
        }
    ],
    "state": "level1_done",
    "state_label": "Level 1 done",
    "state_changed_at": "2026-11-21T12:00:00Z",
    "created_at": "2026-11-21T11:00:00Z",
}
