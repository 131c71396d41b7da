"""Running the pipeline as a process: command lines from settings, and a watched process group
that ends by itself, or is stopped, children included, when no longer wanted or out of time."""

import os
import sys

import pytest

from restore import runner


def test_export_command_placeholders():
    args = runner.command_line(
        "asdmExportLight -d {dest} {uid}", ["u", "d"], uid="uid://A002/X1/X2", dest="/r"
    )
    assert args == ["asdmExportLight", "-d", "/r", "uid://A002/X1/X2"]
    assert runner.command_line("casa --pipeline -c runpipeline.py", ["/p/PPR.xml"], ppr="/p/PPR.xml") == [
        "casa",
        "--pipeline",
        "-c",
        "runpipeline.py",
        "/p/PPR.xml",
    ]


def launch(tmp_path, code: str):
    """Python running ``code`` in a process group of its own, its output in tmp_path/log."""
    return runner.launch(
        [sys.executable, "-c", code], cwd=tmp_path, env=os.environ, log_path=tmp_path / "log"
    )


def test_a_process_that_ends_gives_its_exit_code_and_its_output(tmp_path):
    process = launch(tmp_path, "print('hello'); raise SystemExit(4)")
    assert runner.watch(process, time_limit=60, keep_going=lambda: True) == 4
    log = (tmp_path / "log").read_text()
    assert log.startswith(f"$ {sys.executable} -c") and "hello" in log


@pytest.fixture
def parent_and_child(tmp_path):
    """A process that started a child of its own (as CASA does), both sleeping."""
    process = launch(
        tmp_path, "import subprocess, sys, time; subprocess.Popen(['sleep', '60']); time.sleep(60)"
    )
    yield process
    if runner.alive(process.pid):
        runner.stop_process_group(process.pid, process)


def test_a_process_no_longer_wanted_is_stopped_with_its_children(parent_and_child):
    ending = runner.watch(parent_and_child, time_limit=60, keep_going=lambda: False)
    assert ending is runner.Stopped.CANCELLED
    assert parent_and_child.returncode is not None
    assert not runner.alive(parent_and_child.pid)
    with pytest.raises(ProcessLookupError):
        os.killpg(parent_and_child.pid, 0)


def test_a_process_out_of_time_is_stopped(parent_and_child):
    ending = runner.watch(parent_and_child, time_limit=0, keep_going=lambda: True)
    assert ending is runner.Stopped.TIMED_OUT
    assert not runner.alive(parent_and_child.pid)
