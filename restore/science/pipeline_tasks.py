"""The tasks the ALMA pipeline's ``executeppr`` can run, as data, with the code they were read from.

executeppr looks every PPR command up with ``pipeline.cli.get_pipeline_task_with_name(name)``, which
is ``globals()[name]`` of ``pipeline/cli.py``: the names its task packages export through
``from .<package>.cli import *`` (their ``__all__``). Anything else (``fixsyscaltimes`` from CASA's
``recipes.almahelpers``, a CASA task) raises ``KeyError`` there and the run stops with an errorexit.
Read from the public pipeline code; update the lists and PIPELINE_VERSION together when a new
pipeline release is installed at the site.
"""

from __future__ import annotations

# Where each list was read (repository@commit, path), for the people who update it.
PIPELINE_VERSION = "ra-pipeline/pipeline@bc2f5bd5 (CASA 6.7.4, PL2026 series)"
SOURCES = {
    "h": "ra-pipeline/pipeline@bc2f5bd5 pipeline/h/cli/__init__.py",
    "hif": "ra-pipeline/pipeline@1197bb82 pipeline/hif/cli/__init__.py",
    "hifa": "r-xue/pipeline@048cde52 pipeline/hifa/cli/__init__.py (same 28 modules in ra-pipeline@bc2f5bd5)",
    "hifv": "ra-pipeline/pipeline@bc2f5bd5 pipeline/hifv/cli/__init__.py",
    "hsd": "ra-pipeline/pipeline@bc2f5bd5 pipeline/hsd/cli/__init__.py",
    "hsdn": "ra-pipeline/pipeline@5fd865d1 pipeline/hsdn/cli/__init__.py",
}

TASKS_BY_PACKAGE: dict[str, tuple[str, ...]] = {
    "h": ("h_init", "h_resume", "h_save", "h_tsyscal", "h_weblog"),
    "hif": (
        "hif_analyzealpha",
        "hif_applycal",
        "hif_checkproductsize",
        "hif_correctedampflag",
        "hif_editimlist",
        "hif_findcont",
        "hif_findroi",
        "hif_lowgainflag",
        "hif_makecutoutimages",
        "hif_makeimages",
        "hif_makeimlist",
        "hif_makermsimages",
        "hif_mstransform",
        "hif_rawflagchans",
        "hif_refant",
        "hif_selfcal",
        "hif_setjy",
        "hif_setmodels",
        "hif_transformimagedata",
        "hif_uvcontsub",
    ),
    "hifa": (
        "hifa_antpos",
        "hifa_bandpass",
        "hifa_bandpassflag",
        "hifa_bpsolint",
        "hifa_diffgaincal",
        "hifa_exportdata",
        "hifa_flagdata",
        "hifa_flagtargets",
        "hifa_fluxcalflag",
        "hifa_gaincalsnr",
        "hifa_gfluxscale",
        "hifa_gfluxscaleflag",
        "hifa_imageprecheck",
        "hifa_importdata",
        "hifa_lock_refant",
        "hifa_polcal",
        "hifa_polcalflag",
        "hifa_renorm",
        "hifa_restoredata",
        "hifa_session_refant",
        "hifa_spwphaseup",
        "hifa_targetflag",
        "hifa_timegaincal",
        "hifa_tsysflag",
        "hifa_tsysflagcontamination",
        "hifa_unlock_refant",
        "hifa_wvrgcal",
        "hifa_wvrgcalflag",
    ),
    "hifv": (
        "hifv_analyzestokescubes",
        "hifv_applycals",
        "hifv_checkflag",
        "hifv_circfeedpolcal",
        "hifv_exportdata",
        "hifv_exportvlassdata",
        "hifv_finalcals",
        "hifv_fixpointing",
        "hifv_flagcal",
        "hifv_flagdata",
        "hifv_flagtargetsdata",
        "hifv_fluxboot",
        "hifv_hanning",
        "hifv_importdata",
        "hifv_mstransform",
        "hifv_pbcor",
        "hifv_plotsummary",
        "hifv_priorcals",
        "hifv_restoredata",
        "hifv_restorepims",
        "hifv_selfcal",
        "hifv_semiFinalBPdcals",
        "hifv_solint",
        "hifv_statwt",
        "hifv_syspower",
        "hifv_testBPdcals",
        "hifv_vlasetjy",
        "hifv_vlassmasking",
    ),
    "hsd": (
        "hsd_applycal",
        "hsd_atmcor",
        "hsd_baseline",
        "hsd_blflag",
        "hsd_exportdata",
        "hsd_flagdata",
        "hsd_imaging",
        "hsd_importdata",
        "hsd_k2jycal",
        "hsd_restoredata",
        "hsd_skycal",
        "hsd_tsysflag",
    ),
    "hsdn": ("hsdn_exportdata", "hsdn_importdata", "hsdn_restoredata"),
}

PIPELINE_TASKS = frozenset(name for names in TASKS_BY_PACKAGE.values() for name in names)

# executeppr gives these tasks the DataSet's ASDMs as ``vis`` and their sessions as ``session``
# (hsdn_restoredata gets ``vis`` only), replacing whatever the PPR says.
IMPORT_TASKS = ("h_importdata", "hifa_importdata", "hifv_importdata", "hsd_importdata", "hsdn_importdata")
RESTORE_TASKS = ("h_restoredata", "hifa_restoredata", "hifv_restoredata", "hsd_restoredata")
RESTORE_TASKS_NO_SESSION = ("hsdn_restoredata",)
DATASET_TASKS = frozenset((*IMPORT_TASKS, *RESTORE_TASKS, *RESTORE_TASKS_NO_SESSION))
# executeppr opens the context itself (h_init) and saves it at the end (h_save).
FRAME_TASKS = frozenset({"h_init", "h_save"})


def is_pipeline_task(name: str) -> bool:
    return name in PIPELINE_TASKS


def not_a_pipeline_task(name: str) -> str:
    """Why a name cannot be a PPR command, for people."""
    return f"{name} is not a pipeline task (pipeline {PIPELINE_VERSION})"
