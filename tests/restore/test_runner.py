"""Running the pipeline as a process: command lines from settings, and a watched process group
that ends by itself, or is stopped, children included, when no longer wanted or out of time."""

import os
import subprocess
import sys

import pytest

from restore.science import runner


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


def test_the_wrapper_records_the_exit_code_beside_the_log(tmp_path):
    process = launch(tmp_path, "raise SystemExit(3)")
    assert runner.watch(process, time_limit=60, keep_going=lambda: True) == 3
    assert runner.read_exit_code(tmp_path / "log") == 3
    assert runner.exit_path_of(tmp_path / "log").name == "log.exit"


def test_a_command_that_cannot_start_is_recorded_too(tmp_path):
    process = runner.launch(["/nonexistent/casa"], cwd=tmp_path, env=os.environ, log_path=tmp_path / "log")
    assert runner.watch(process, time_limit=60, keep_going=lambda: True) == 127
    assert runner.read_exit_code(tmp_path / "log") == 127
    assert "could not be started" in (tmp_path / "log").read_text()


def launched_by_a_watcher_that_dies(tmp_path, code: str) -> int:
    """The process group id of a run launched by a process that has exited since (as a killed
    worker's task): this process can only watch it by id."""
    launcher = (
        "import os, sys; from pathlib import Path; from restore.science import runner; "
        f"p = runner.launch([sys.executable, '-c', {code!r}], cwd=Path({str(tmp_path)!r}), env=os.environ, "
        f"log_path=Path({str(tmp_path / 'log')!r})); print(p.pid)"
    )
    return int(subprocess.check_output([sys.executable, "-c", launcher], text=True).strip())


def test_a_new_watcher_adopts_a_running_group_and_reads_its_exit(tmp_path):
    pid = launched_by_a_watcher_that_dies(tmp_path, "import time; time.sleep(2); raise SystemExit(5)")
    assert runner.alive(pid)
    assert runner.watch_group(pid, time_limit=60, keep_going=lambda: True) is None
    assert not runner.alive(pid) and runner.read_exit_code(tmp_path / "log") == 5


def test_an_adopted_group_is_stopped_when_no_longer_wanted(tmp_path):
    pid = launched_by_a_watcher_that_dies(tmp_path, "import time; time.sleep(60)")
    assert runner.watch_group(pid, time_limit=60, keep_going=lambda: False) is runner.Stopped.CANCELLED
    assert not runner.alive(pid) and runner.read_exit_code(tmp_path / "log") is None


def test_process_alive_tells_a_running_process_from_a_gone_one():
    assert runner.process_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not runner.process_alive(child.pid)
