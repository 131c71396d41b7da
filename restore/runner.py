"""Running the pipeline as a supervised process: started in its own process group, watched until
it exits, stopped (with all its children) when asked to or when it runs out of time.

No Django: the caller decides what to record while it waits (services/run.py).
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from enum import Enum
from pathlib import Path

POLL_SECONDS = 1.0
STOP_GRACE_SECONDS = 10.0


class Stopped(Enum):
    """Why a watched process did not run to its end."""

    CANCELLED = "cancelled"
    TIMED_OUT = "timed out"


def command_line(template: str, positional: list[str], **placeholders: str) -> list[str]:
    """``template`` split like a shell would; ``{name}`` placeholders filled in, or, if it has
    none, ``positional`` appended."""
    words = shlex.split(template)
    marks = [f"{{{name}}}" for name in placeholders]
    if not any(mark in word for word in words for mark in marks):
        return words + positional
    for name, value in placeholders.items():
        words = [word.replace(f"{{{name}}}", value) for word in words]
    return words


def launch(args: list[str], *, cwd: Path, env: Mapping[str, str], log_path: Path) -> subprocess.Popen:
    """Start ``args`` in ``cwd``, its output appended to ``log_path`` after the command line."""
    with open(log_path, "ab") as log_file:
        log_file.write(f"$ {shlex.join(args)}\n".encode())
        log_file.flush()
        return subprocess.Popen(
            args,
            cwd=cwd,
            env=dict(env),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so stopping it stops CASA's children too
        )


def watch(process: subprocess.Popen, *, time_limit: float, keep_going: Callable[[], bool]) -> int | Stopped:
    """Wait for ``process``: its exit code, or why it was stopped. Every POLL_SECONDS while it
    runs, ``keep_going()`` is asked (the caller's heartbeat); when it says no, or after
    ``time_limit`` seconds, the process group is stopped."""
    deadline = time.monotonic() + time_limit
    while True:
        try:
            return process.wait(timeout=POLL_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        if not keep_going():
            stop_process_group(process.pid, process)
            return Stopped.CANCELLED
        if time.monotonic() > deadline:
            stop_process_group(process.pid, process)
            return Stopped.TIMED_OUT


def alive(pid: int) -> bool:
    """Whether the process group ``pid`` still has a process."""
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_process_group(pid: int, process: subprocess.Popen | None = None) -> None:
    """SIGTERM the process group, then SIGKILL what is left after a grace period. ``process``,
    when this process started it, is reaped."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while time.monotonic() < deadline:
            if (process is None or process.poll() is not None) and not alive(pid):
                return
            time.sleep(0.1)
    if process is not None:
        process.wait(timeout=STOP_GRACE_SECONDS)
