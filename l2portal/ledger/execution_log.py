"""An Execution's whole log, written to a file under the data root while its task runs, so its page
can show all of it and follow the end live from any host that shares the data root (the row keeps
only the tail, written at the end).

Files live under ``_logs/`` (no collection name starts with "_", so no product path meets them),
by the day the run started: ``_logs/executions/2026/11/27/make_ft2-<execution uuid>.log``."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path, PurePosixPath

from django.conf import settings

LOG_ROOT = "_logs/executions"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# What a page shows inline; the whole file is one link away (resumable download).
INLINE_BYTES = 512 * 1024

log = logging.getLogger(__name__)


def relative_path(task_name: str, execution_uuid: uuid.UUID, started_at: datetime) -> str:
    short_name = task_name.rpartition(".")[2] or "task"
    return str(PurePosixPath(LOG_ROOT, f"{started_at:%Y/%m/%d}", f"{short_name}-{execution_uuid}.log"))


def absolute(relative: str) -> Path:
    return Path(settings.DATA_ROOT) / relative


class FileLogHandler(logging.Handler):
    """Appends each record the ``accept`` predicate lets through (every record until it is set) to
    the file, flushed at once so a reader elsewhere sees it as it happens."""

    def __init__(self, path: Path):
        super().__init__(level=logging.INFO)
        self.accept: Callable[[logging.LogRecord], bool] = lambda record: True
        path.parent.mkdir(parents=True, exist_ok=True)
        self.stream = path.open("a", encoding="utf-8")
        self.setFormatter(logging.Formatter(FORMAT))

    def emit(self, record):
        if not self.accept(record):
            return
        try:
            self.write(self.format(record))
        except Exception:
            self.handleError(record)

    def write(self, text: str) -> None:
        self.stream.write(text if text.endswith("\n") else text + "\n")
        self.stream.flush()

    def close(self):
        try:
            self.stream.close()
        finally:
            super().close()


def open_handler(relative: str) -> FileLogHandler | None:
    """The file handler of a new Execution, or None if the data root cannot take the file (the run
    goes on; its page then shows the tail kept on the row)."""
    try:
        return FileLogHandler(absolute(relative))
    except OSError as error:
        log.warning("execution log %s not written: %s", relative, error)
        return None


def read_from(relative: str, offset: int, limit: int = INLINE_BYTES) -> tuple[str, int] | None:
    """The complete lines of the log from byte ``offset`` on (at most ``limit`` bytes) and the
    offset after them; None if the file is not there. A line still being written waits for the
    next read, so a character is never cut in two."""
    try:
        with absolute(relative).open("rb") as handle:
            handle.seek(offset)
            block = handle.read(limit)
    except (FileNotFoundError, NotADirectoryError):
        return None
    end = block.rfind(b"\n") + 1
    if end == 0 and len(block) == limit:  # one line longer than the limit: give it as it is
        end = len(block)
    return block[:end].decode("utf-8", errors="replace"), offset + end


def tail(relative: str, limit: int = INLINE_BYTES) -> tuple[str, int, bool] | None:
    """The last complete lines of the log (at most ``limit`` bytes, from a line start), the offset
    after them and whether earlier lines were left out; None if the file is not there."""
    try:
        size = os.path.getsize(absolute(relative))
    except (FileNotFoundError, NotADirectoryError):
        return None
    start = max(size - limit, 0)
    read = read_from(relative, start, limit)
    if read is None:
        return None
    text, end = read
    if start > 0:  # begin at the first whole line
        text = text.partition("\n")[2]
    return text, end, start > 0
