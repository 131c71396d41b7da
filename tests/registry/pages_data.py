"""Data the ledger's page tests share: runs about an observing program, one of them failed with
its log, reading and writing registered products."""

import logging

from l2portal.ledger import services
from l2portal.ledger.execution import recording
from l2portal.registry import services as registry
from tests.factories import SYSTEM, program

log = logging.getLogger("tests.registry.pages")


def runs(count: int, prefix: str = "op") -> list:
    """``count`` programs, each with one run that read a magic7 file and wrote an FT2 file."""
    made = []
    collection = registry.get_run_collection(f"{prefix.upper()}1")
    for n in range(count):
        subject = program(f"eid_{prefix}_{n}")
        with recording("l2portal.programs.tasks.qualify", parameters={"n": n}, subject=subject) as run:
            log.info("qualifying %s", subject.execution_id)
            raw = registry.write_product(
                collection, f"{collection.name}/{collection.name}_m7_{prefix}{n}.txt", "magic7", _text("m7")
            )
            registry.write_product(
                collection,
                f"{collection.name}/{collection.name}_ft2_{prefix}{n}.fit",
                "ft2_1s",
                _text(f"FITS {n}"),
                inputs=[raw],
            )
        made.append((subject, run))
    return made


def failed_run(execution_id: str = "eid_failed"):
    """A program in Error, failed by a run whose log says why."""
    subject = program(execution_id)
    with recording("l2portal.programs.tasks.qualify", subject=subject) as run:
        log.info("reading the metadata of %s", execution_id)
        log.warning("the wavelength axis is missing")
        services.fail(subject, SYSTEM, "no wavelength axis in the level 1 headers")
    subject.refresh_from_db()
    run.refresh_from_db()
    return subject, run


def _text(content: str):
    return lambda target: target.write_text(content)
