"""Running the pipeline as a supervised process that outlives its watcher.

The command runs in a process group of its own under a small wrapper (``python -m restore.science.runner
EXIT_FILE -- command...``) that writes the command's exit code to EXIT_FILE when it ends. So when
the task watching the pipeline dies (a worker killed), the pipeline goes on, and a new watcher can
adopt it by process group id (``watch_group``) or, once it has ended, read its exit from that file.
A watched run ends by itself, or is stopped with all its children when no longer wanted or out of
time.

No Django: the caller decides what to record while it waits (restore/services/run.py).
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
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


def exit_path_of(log_path: Path) -> Path:
    """Where the wrapper records the exit code of the run logging to ``log_path``."""
    return log_path.with_name(log_path.name + ".exit")


def launch(args: list[str], *, cwd: Path, env: Mapping[str, str], log_path: Path) -> subprocess.Popen:
    """Start ``args`` in ``cwd`` in a process group of its own, under the exit-recording wrapper,
    its output appended to ``log_path`` after the command line."""
    exit_path_of(log_path).unlink(missing_ok=True)
    wrapped = [sys.executable, "-m", "restore.science.runner", str(exit_path_of(log_path)), "--", *args]
    with open(log_path, "ab") as log_file:
        log_file.write(f"$ {shlex.join(args)}\n".encode())
        log_file.flush()
        return subprocess.Popen(
            wrapped,
            cwd=cwd,
            env=dict(env),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so stopping it stops CASA's children too
        )


def read_exit_code(log_path: Path) -> int | None:
    """The exit code the wrapper recorded, None if the run has not recorded one (yet)."""
    try:
        return int(exit_path_of(log_path).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def watch(process: subprocess.Popen, *, time_limit: float, keep_going: Callable[[], bool]) -> int | Stopped:
    """Wait for ``process`` (started here): its exit code, or why it was stopped. Every
    POLL_SECONDS while it runs, ``keep_going()`` is asked (the caller's heartbeat); when it says
    no, or after ``time_limit`` seconds, the process group is stopped."""
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


def watch_group(pid: int, *, time_limit: float, keep_going: Callable[[], bool]) -> Stopped | None:
    """Wait for a process group started by another process (a watcher that died): None once it
    has ended (its exit is in the wrapper's file), or why it was stopped."""
    deadline = time.monotonic() + time_limit
    while alive(pid):
        if not keep_going():
            stop_process_group(pid)
            return Stopped.CANCELLED
        if time.monotonic() > deadline:
            stop_process_group(pid)
            return Stopped.TIMED_OUT
        time.sleep(POLL_SECONDS)
    return None


def alive(pid: int) -> bool:
    """Whether the process group ``pid`` still has a process."""
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_alive(pid: int) -> bool:
    """Whether the process ``pid`` runs (a zombie counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


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


def _wrapper(argv: list[str]) -> int:
    """``EXIT_FILE -- command...``: run the command, record its exit code, exit with it."""
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m restore.science.runner EXIT_FILE -- command...", file=sys.stderr)
        return 2
    exit_file = Path(argv[0])
    try:
        code = subprocess.call(argv[2:])
    except OSError as error:
        print(f"the pipeline could not be started: {error}", flush=True)
        code = 127
    partial = exit_file.with_name(exit_file.name + ".part")
    partial.write_text(f"{code}\n")
    os.replace(partial, exit_file)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(_wrapper(sys.argv[1:]))
