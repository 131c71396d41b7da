"""A run's LIVETIME from a livetime source, for the FT2 files of campaigns and of Level 1 alike:
the previous version of the run's FT2 (along FT2/current), the livetime table registered for the
run, or the configured livetime command. A source that has nothing for the run raises
``livetime.SourceUnavailable`` saying what to provide; a table that does not fit, ``LivetimeError``."""

from __future__ import annotations

from collections.abc import Callable

from l2portal.registry import services as registry
from l2portal.registry.models import Product

from ... import conf
from ...halfpipe.models import DataRun
from ...science import livetime
from ..selectors.ft2_inputs import PreviousFt2, livetime_table


def run_livetime(
    data_run: DataRun,
    source: str,
    previous: PreviousFt2 | None,
    start: float,
    stop: float,
    folder: str,
    inputs: list[Product],
    verify: Callable[[list[Product]], None],
) -> livetime.LivetimeTable | None:
    """The livetime of ``data_run`` over [start, stop) from ``source`` (None for "none"); the
    products it read are appended to ``inputs``, each passed to ``verify`` before it is read.
    ``folder`` holds what a command writes."""
    run_id = data_run.run_id
    if source == livetime.PREVIOUS_FT2:
        if previous is None:
            raise livetime.SourceUnavailable(
                f"run {data_run} has no previous FT2 along {conf.ft2_chain()} to take LIVETIME from; "
                "register it (manage.py register_ft2_inputs)"
            )
        inputs.append(previous.one_second)
        verify([previous.one_second])
        return livetime.from_previous_ft2(registry.absolute_path(previous.one_second))
    if source == livetime.TABLE:
        table = livetime_table(run_id)
        if table is None or table.status != Product.Status.PRESENT:
            raise livetime.SourceUnavailable(
                f"no livetime table registered for run {data_run}; register "
                f"livetime_r{run_id:010d}.csv (manage.py register_ft2_inputs)"
            )
        inputs.append(table)
        verify([table])
        # Named without its collection prefix: the header card holds 35 characters with its comment.
        reference = table.filename.split("_", 1)[-1]
        return livetime.read_table(registry.absolute_path(table), reference=reference)
    if source == livetime.COMMAND:
        if not conf.livetime_command():
            raise livetime.SourceUnavailable("PIPELINES_LIVETIME_COMMAND is not set; set it")
        return livetime.run_command(conf.livetime_command(), folder, start, stop, run=run_id)
    return None
