"""Demo observing programs for `manage.py load_demo`, loaded through the services: generated
records imported as a scan; L1 datasets of every invertible program written where the local-copy
transfer finds them (so an operator can preprocess any of them from the pages); then the first
invertible programs driven on to every later state, with inversion results as an inversion code
writes them, as the demo scientist and operator would. Idempotent."""

from __future__ import annotations

import contextlib
import tempfile
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from l2portal.ledger.services import Actor

from . import conf, selectors, services
from .models import Dataset, ObservingProgram
from .standins.metadata_server import MetadataServer
from .standins.synthetic import generate_records, iso_utc
from .standins.synthetic_frames import dataset_folder, write_inversion_files, write_l1_source

DEMO_PROGRAMS = 40
DEMO_COMMIT = "3f9c2ab7d1e0"
RASTER_STEPS = 3
# How far the first invertible demo programs are driven, with the real services.
DEMO_GOALS = ("preprocessed", "preprocessed", "working", "inverted", "published", "error")
RECENT_PROGRAM = "eid_1_199_op_recent_R001"


def load_demo(actor: Actor, stdout) -> None:
    records = generate_records(DEMO_PROGRAMS)
    if not ObservingProgram.objects.filter(execution_id=RECENT_PROGRAM).exists():
        # Observed yesterday: it waits for the settle period, and the UI shows until when.
        records.append(
            {
                **records[0],
                "datasetId": "RECENT1",
                "productId": "L1-recent",
                "primaryProposalId": "pid_1_199",
                "observingProgramExecutionId": RECENT_PROGRAM,
                "updateDate": iso_utc(timezone.now() - timedelta(days=1)),
            }
        )
    scan = services.scan_records(records, actor, "demo generator")
    stdout.write(f"  scan: {scan.new} new, {scan.updated} updated, {scan.unchanged} unchanged datasets")
    if conf.transfer_backend_name() == "local":
        written = write_l1_sources()
        stdout.write(f"  L1 source: {written} datasets written to {conf.l1_endpoint().root}")
    else:
        stdout.write(
            "  L1 source: not written (the demo's L1 datasets are local files; transfers here are not)"
        )

    users = get_user_model().objects.in_bulk(["scientist", "operator"], field_name="username")
    if "scientist" not in users or "operator" not in users:
        stdout.write("  no demo users: programs are left as the scan qualified them")
        return
    scientist, operator = Actor.of_user(users["scientist"]), Actor.of_user(users["operator"])
    untouched = ObservingProgram.objects.filter(state="invertible").order_by("execution_id")
    if ObservingProgram.objects.exclude(state__in=("discovered", "invertible", "not_invertible")).exists():
        untouched = untouched.none()  # driven on an earlier run
    for priority, (program, goal) in enumerate(zip(untouched, DEMO_GOALS, strict=False)):
        _drive(program, goal, 10 - priority, actor, scientist, operator)
    counts = selectors.state_counts(ObservingProgram.objects.all())
    stdout.write("  programs: " + ", ".join(f"{state} {n}" for state, n in sorted(counts.items())))


def write_l1_sources() -> int:
    """The current ViSP datasets of every invertible program, where preprocessing fetches them
    (kept if already there); returns how many were written."""
    root = conf.l1_endpoint().root
    datasets = Dataset.objects.filter(program__invertible=True, superseded=False, instrument_name="VISP")
    written = 0
    for dataset in datasets.iterator():
        inventory = dataset.to_inventory()
        if not dataset_folder(root, inventory).is_dir():
            write_l1_source(root, inventory, RASTER_STEPS)
            written += 1
    return written


def _drive(program, goal: str, priority: int, actor: Actor, scientist: Actor, operator: Actor) -> None:
    current = program.datasets.filter(superseded=False, instrument_name="VISP")
    services.set_priority(program, priority, operator)
    services.run_preprocess(program.pk, actor)
    if goal == "preprocessed":
        return
    program.refresh_from_db()
    services.claim(program, scientist)
    if goal == "working":
        return
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        files = write_inversion_files(folder, program.execution_id, n_frames=RASTER_STEPS)
        paths = (files.quantities, files.fit_profiles, files.original_profiles)
        handles = {
            kind: stack.enter_context(open(path, "rb"))
            for kind, path in zip(services.INVERSION_FILE_KINDS, paths, strict=True)
        }
        services.upload_inversion(program, scientist, handles, [d.dataset_id for d in current], DEMO_COMMIT)
    if goal == "published":
        with MetadataServer() as store:
            services.run_publish(program.pk, actor, url=store.url)
    elif goal == "error":
        # Nothing listens on port 9: the publication fails and waits for an operator's retry.
        services.run_publish(program.pk, actor, url="http://127.0.0.1:9/graphql")
