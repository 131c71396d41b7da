"""The stand-ins for CASA and for the ASDM export, run as the worker runs them: as processes. The
CASA stand-in fails where and as the pipeline fails: executeppr's messages, the KeyError of a command
that is no pipeline task, the task's own error, an empty errorexit file, exit code 1 (0 where CASA
returns normally); a restore script runs only its call shapes and fails as Python does in CASA."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from l2portal.files import sha256_file
from restore.science import archive
from restore.science.plan import load_plan, read_folder
from restore.science.ppr import build_ppr
from restore.science.scriptgen import generate_script
from restore.standins.export import export_asdm

REPO = Path(__file__).resolve().parents[2]
X80E = "uid://A001/X12a3/X80e"
X3453 = "uid___A002_Xcf92df_X3453"


def run_module(module, *args, env=None, cwd=REPO):
    return subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def staged(tmp_path):
    """A staged X80e restore: layout, products, exported ASDM, its PPR (the forced PPR route) and its
    generated restore script in working/."""
    connection = archive.connect(None)
    plan = load_plan(connection, X80E, read_folder(archive.DEMO_PRODUCTS_DIR), force_ppr=True)
    script_plan = load_plan(connection, X80E, read_folder(archive.DEMO_PRODUCTS_DIR))
    connection.close()
    layout = plan.layout(tmp_path / "root")
    layout.create()
    for product in plan.metadata.product_files:
        (layout.products / product.ngas_file_id).write_bytes(
            archive.read_product(archive.DEMO_PRODUCTS_DIR, product.ngas_file_id)
        )
    for eb in plan.dataset:
        export_asdm(eb, layout.rawdata)
    ppr = tmp_path / "PPR.xml"
    ppr.write_bytes(build_ppr(plan, root_directory=str(layout.root), creation_time=datetime.now(UTC)))
    generated = generate_script(
        script_plan.script,
        script_plan.dataset,
        script_plan.ppr_session_of,
        source_name=script_plan.script_name,
    )
    (layout.working / "casa_restore_test.py").write_text(generated.text)
    env = {"SCIPIPE_ROOTDIR": str(layout.root), "SCIPIPE_LOGDIR": str(tmp_path / "logs")}
    return layout, ppr, env


def casa(layout, *args, env=None):
    """The stand-in as the worker runs it: in working/."""
    return run_module("restore.standins.casa", *args, env=env, cwd=layout.working)


def errorexits(layout):
    return sorted(layout.working.glob("errorexit-*.txt"))


def test_a_ppr_of_pipeline_tasks_restores(staged):
    layout, ppr, env = staged
    result = casa(layout, ppr, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Executing command ...hifa_importdata" in result.stdout
    assert "Executing command ...hifa_restoredata" in result.stdout
    assert f"Session: session_2  ASDM: {X3453}" in result.stdout
    working = layout.working
    assert (working / f"{X3453}.ms" / "table.info").is_file()
    assert (working / f"{X3453}.ms.flagversions" / "FLAG_VERSION_LIST").is_file()
    assert list(working.glob("pipeline-*/html/index.html")) and not errorexits(layout)
    assert not (working / "uid___A002_Xce574d_Xa33e.ms").exists()
    assert (layout.rawdata / "member.uid___A001_X12a3_X80e.calimage.pipeline_manifest.xml").is_file()
    (log,) = Path(env["SCIPIPE_LOGDIR"]).glob("casa-*.log")
    assert "Terminating procedure execution" in log.read_text()


def test_a_command_that_is_no_pipeline_task_stops_the_run_as_executeppr_does(staged):
    layout, ppr, env = staged
    text = ppr.read_text().replace("<Command>hifa_restoredata</Command>", "<Command>fixsyscaltimes</Command>")
    ppr.write_text(text)
    result = casa(layout, ppr, env=env)
    assert result.returncode == 1
    assert (
        "Executing command ...fixsyscaltimes\n"
        "Unhandled error in executeppr while running pipeline task fixsyscaltimes" in result.stdout
    )
    assert "KeyError: 'fixsyscaltimes'" in result.stdout
    assert (
        "pipeline.infrastructure.exceptions.PipelineException: Traceback (most recent call last):"
        in result.stderr
    )
    assert result.stderr.rstrip().endswith("KeyError: 'fixsyscaltimes'")
    (errorexit,) = errorexits(layout)
    assert errorexit.read_text() == ""  # the pipeline's errorexit file is empty; the reason is in the log
    assert list(layout.working.glob("pipeline-*/html/index.html"))  # the context was saved


def test_a_missing_asdm_fails_in_the_import(staged):
    layout, ppr, env = staged
    for path in sorted((layout.rawdata / X3453).iterdir()):
        path.unlink()
    (layout.rawdata / X3453).rmdir()
    result = casa(layout, ppr, env=env)
    assert result.returncode == 1
    assert f"OSError: Input data set '{layout.rawdata / X3453}' not found" in result.stdout
    assert "Unhandled error in executeppr" not in result.stdout  # a task failure, not a lookup failure
    assert len(errorexits(layout)) == 1


def test_a_session_gap_puts_the_eb_in_session_1_and_restoredata_fails(staged):
    layout, ppr, env = staged
    ppr.write_text(ppr.read_text().replace("<Keyword>SESSION_2</Keyword>", "<Keyword>SESSION_3</Keyword>"))
    result = casa(layout, ppr, env=env)
    assert result.returncode == 1
    assert f"Session: session_1  ASDM: {X3453}" in result.stdout
    assert "KeyError: 'default'" in result.stdout  # caltables of session_1, then of 'default'
    assert len(errorexits(layout)) == 1


def test_a_ppr_without_commands_writes_errorexit_and_returns(staged):
    layout, ppr, env = staged
    text = ppr.read_text()
    start, end = (
        text.index("<ProcessingCommand>"),
        text.rindex("</ProcessingCommand>") + len("</ProcessingCommand>"),
    )
    ppr.write_text(text[:start] + text[end:])
    result = casa(layout, ppr, env=env)
    assert result.returncode == 0  # executeppr returns: CASA exits normally
    assert "Empty commands list\nTerminating pipeline execution ..." in result.stdout
    assert len(errorexits(layout)) == 1


def test_the_fail_hook_fails_the_first_task(staged):
    layout, ppr, env = staged
    result = casa(layout, ppr, env={**env, "STANDIN_CASA_FAIL": "1"})
    assert result.returncode == 1 and "STANDIN_CASA_FAIL is set" in result.stdout
    assert len(errorexits(layout)) == 1


def test_the_generated_restore_script_restores(staged):
    layout, _, env = staged
    result = casa(layout, "--pipeline", "-c", "casa_restore_test.py", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"fixsyscaltimes: SYSCAL times of {X3453}.ms" in result.stdout
    assert len(list(layout.working.glob("pipeline-*/html/index.html"))) == 2  # weblog restarted after the fix
    assert (layout.working / f"{X3453}.ms.flagversions" / "FLAG_VERSION_LIST").is_file()
    assert not errorexits(layout)


def test_an_unknown_call_fails_as_python_does_in_casa_after_its_finally(staged):
    layout, _, env = staged
    script = layout.working / "casa_restore_test.py"
    script.write_text(
        script.read_text().replace("    fixsyscaltimes(", "    curveball(vis='x.ms')\n    fixsyscaltimes(")
    )
    line = script.read_text().splitlines().index("    curveball(vis='x.ms')") + 1
    result = casa(layout, "--pipeline", "-c", script.name, env=env)
    assert result.returncode == 1
    assert result.stderr.endswith(
        f"  File \"{script.name}\", line {line}, in <module>\n    curveball(vis='x.ms')\n"
        "NameError: name 'curveball' is not defined\n"
    )
    assert list(layout.working.glob("pipeline-*/html/index.html"))  # finally: h_save() ran
    assert not (layout.working / f"{X3453}.ms.flagversions").exists()  # restoredata never ran


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("import os", "'import os' is not a shape the stand-in runs"),
        ("x = 1 + 1", "'x = 1 + 1' is not a shape the stand-in runs"),
        ("hifa_restoredata(vis=names)", "'hifa_restoredata(vis=names)' is not a shape the stand-in runs"),
    ],
)
def test_anything_but_call_shapes_is_refused_before_it_runs(staged, line, message):
    layout, _, env = staged
    script = layout.working / "casa_restore_test.py"
    script.write_text(f"{line}\n" + script.read_text())
    result = casa(layout, "--pipeline", "-c", script.name, env=env)
    assert result.returncode == 2 and message in result.stderr
    assert not list(layout.working.glob("pipeline-*"))


def test_a_failing_task_raises_when_casa_exceptions_are_rethrown(staged):
    layout, _, env = staged
    (layout.rawdata / X3453 / "ASDM.xml").unlink()
    result = casa(layout, "--pipeline", "-c", "casa_restore_test.py", env=env)
    assert result.returncode == 1
    assert result.stderr.rstrip().endswith(f"TypeError: ../rawdata/{X3453} is of unhandled type")


def test_an_unknown_helper_import_fails_as_python_does(staged):
    layout, _, env = staged
    script = layout.working / "casa_restore_test.py"
    script.write_text("from recipes.almahelpers import nope\n" + script.read_text())
    result = casa(layout, "--pipeline", "-c", script.name, env=env)
    assert result.returncode == 1
    assert "ImportError: cannot import name 'nope' from 'recipes.almahelpers'" in result.stderr


def test_standin_export_is_deterministic(tmp_path):
    first = run_module("restore.standins.export", "uid://A002/Xcf92df/X3453", tmp_path / "a")
    assert first.returncode == 0, first.stderr
    export_asdm("uid://A002/Xcf92df/X3453", tmp_path / "b")
    export_asdm("uid://A002/Xcf92df/X3453", tmp_path / "b")  # a repeated export is a no-op
    names = ["ASDM.xml", "ExecBlock.xml", "Main.xml"]
    for directory in ("a", "b"):
        asdm = tmp_path / directory / X3453
        assert sorted(path.name for path in asdm.iterdir()) == names
    assert [sha256_file(tmp_path / "a" / X3453 / name) for name in names] == [
        sha256_file(tmp_path / "b" / X3453 / name) for name in names
    ]


def test_standin_export_refuses_odd_uids(tmp_path):
    result = run_module("restore.standins.export", "uid://A002/../../etc", tmp_path)
    assert result.returncode == 1
    assert "not an ALMA EB uid" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_slow_standin_casa_can_be_cancelled(staged):
    layout, ppr, env = staged
    process = subprocess.Popen(
        [sys.executable, "-m", "restore.standins.casa", str(ppr)],
        cwd=layout.working,
        env={**os.environ, **env, "STANDIN_CASA_SLEEP": "60"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        for line in process.stdout:
            if line.startswith("Executing command"):
                break
        process.terminate()
        assert process.wait(timeout=10) != 0
    finally:
        process.kill()
        process.stdout.close()
