"""Examples in the registry's OpenAPI documentation."""

CHAIN = {"name": "FT2/current", "children": ["P310", "P202"], "description": "the FT2 the FSSC serves"}
INSTRUMENT = {
    "name": "XRT",
    "full_name": "Swift X-Ray Telescope",
    "observatory": "Swift",
    "dimensions": ["obsid"],
    "description": "",
}
TAG = {
    "collection": "fssc/2019-07-01",
    "products": ["0b8e2f8e-4d55-4a43-9a51-9d1f2b7b6c11"],
    "reason": "delivered to the FSSC",
}
_MAGIC7 = "product:3f0d3c1e-9a4b-4c55-8f8e-2b1d4f6a7e90"
_FT2 = "product:0b8e2f8e-4d55-4a43-9a51-9d1f2b7b6c11"
_RUN = "execution:7c2e8a51-1f3b-4e0d-9a77-5b8c0d2e4f16"
GRAPH = {
    "root": _FT2,
    "depth": 5,
    "direction": "both",
    "truncated": False,
    "nodes": [
        {
            "id": _MAGIC7,
            "kind": "product",
            "level": -2,
            "pk": 11,
            "uuid": _MAGIC7.split(":")[1],
            "url": "/registry/products/11/",
            "path": "RAW/RAW_magic7_r0545208791.txt",
            "product_type": "magic7",
            "collection": "RAW",
            "status": "present",
        },
        {
            "id": _RUN,
            "kind": "execution",
            "level": -1,
            "pk": 5,
            "uuid": _RUN.split(":")[1],
            "url": "/registry/executions/5/",
            "task_name": "pipelines.tasks.process_campaign_run",
            "status": "succeeded",
            "host": "fits-01",
            "parameters": {"args": [42], "kwargs": {}},
            "software": {"l2portal": "0.1.0", "astropy": "7.0.1"},
            "started_at": "2026-11-21T12:00:00Z",
            "finished_at": "2026-11-21T12:03:10Z",
            "error": "",
        },
        {
            "id": _FT2,
            "kind": "product",
            "level": 0,
            "pk": 12,
            "uuid": _FT2.split(":")[1],
            "url": "/registry/products/12/",
            "path": "P310/unflagged/gll_pt1s_p310_r0545208791_v001_unflagged.fit",
            "product_type": "ft2_1s_unflagged",
            "collection": "P310",
            "status": "present",
        },
    ],
    "edges": [{"source": _MAGIC7, "target": _RUN}, {"source": _RUN, "target": _FT2}],
}
