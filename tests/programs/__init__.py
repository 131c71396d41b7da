"""Tests of the pure Observing Program domain code (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from l2portal.programs.science.metadata import (
    BoundingBox,
    DatasetInventory,
    GosStatusCounts,
    HealthCounts,
)


def raw_record(**overrides: Any) -> dict[str, Any]:
    """A complete datasetInventories record as the store sends it."""
    record = {
        "datasetId": "AAAAA",
        "productId": "L1-AAAAA",
        "primaryProposalId": "pid_1_118",
        "primaryExperimentId": "eid_1_118",
        "observingProgramExecutionId": "eid_1_118_opA",
        "instrumentProgramExecutionId": "id.1.1",
        "instrumentName": "VISP",
        "startTime": "2022-06-02T17:22:50.175505",
        "endTime": "2022-06-02T17:47:30.855505",
        "createDate": "2022-12-08T19:07:55.038280",
        "updateDate": "2023-11-06T22:01:08.581818",
        "wavelengthMin": 630.0,
        "wavelengthMax": 630.4,
        "stokesParameters": "IQUV",
        "spectralLines": ["Fe I (630.15 nm)", "Fe I (630.25 nm)"],
        "frameCount": 171,
        "exposureTime": 5.009,
        "boundingBox": "(-560.16,-347.5),(-677.17,-467.21)",
        "isEmbargoed": False,
        "embargoEndDate": None,
        "bucket": "data",
        "browseMovieUrl": None,
        "health": {"good": 171, "bad": None, "ill": None, "unknown": None},
        "gosStatus": {"open": 171, "closed": None, "closing": None, "opening": None, "undefined": None},
        "aoLocked": 169,
        "lightLevel": {"min": 383.8, "p25": 388.5, "med": 392.6, "p75": 398.7, "max": 403.7},
        "friedParameter": {"min": 0.025, "p25": 0.064, "med": 0.096, "p75": 0.11, "max": 0.136},
    }
    record.update(overrides)
    return record


def visp_dataset(**overrides: Any) -> DatasetInventory:
    """A ViSP dataset that passes every qualification rule on its own."""
    values: dict[str, Any] = {
        "dataset_id": "VISP1",
        "observing_program_execution_id": "op1",
        "product_id": "P-VISP1",
        "instrument_name": "VISP",
        "start_time": datetime(2024, 1, 3, 18, 0, tzinfo=UTC),
        "create_date": datetime(2024, 2, 1, tzinfo=UTC),
        "update_date": datetime(2024, 2, 1, 2, tzinfo=UTC),
        "wavelength_min": 630.0,
        "wavelength_max": 630.4,
        "stokes_parameters": "IQUV",
        "spectral_lines": ("Fe I (630.15 nm)", "Fe I (630.25 nm)"),
        "frame_count": 100,
        "bounding_box": BoundingBox(-100.0, -100.0, 100.0, 100.0),
        "health": HealthCounts(good=100),
        "gos_status": GosStatusCounts(open=100),
        "ao_locked": 100,
    }
    values.update(overrides)
    return DatasetInventory(**values)
