"""Every management command on the one base (ledger.commands.PortalCommand): the history names the
command as its actor, and a refusal or a bad argument ends as one line, never a traceback."""

from unittest import mock

import pytest
from django.core.management import ManagementUtility

from l2portal.ledger.models import LedgerEvent
from l2portal.registry import services as registry

pytestmark = pytest.mark.django_db


def run(capsys, *argv) -> tuple[int, str, str]:
    """``manage.py ARGV`` as a shell runs it: the exit code and what it printed."""
    # A command run from the shell closes its database connections at the end; the test's own
    # connection (and its transaction) must outlive it.
    with mock.patch("django.core.management.base.connections.close_all"):
        try:
            ManagementUtility(["manage.py", *argv]).execute()
            code = 0
        except SystemExit as exit:
            code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


def test_a_refusal_ends_as_one_line_that_says_what_is_wrong(capsys):
    registry.get_run_collection("P310")
    code, _, err = run(capsys, "define_chain", "FT2/current", "P310", "NOPE")
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("CommandError: ") and "NOPE" in err
    assert "Traceback" not in err


def test_an_unknown_collection_to_export_is_one_line_too(capsys, tmp_path):
    output = tmp_path / "x.json"
    code, _, err = run(capsys, "export_registry", "--collection", "NOPE", "--output", str(output))
    assert code == 1 and err.count("\n") == 1 and "NOPE" in err
    assert not output.exists()


def test_a_bad_argument_is_one_line_of_usage_and_the_error(capsys):
    code, _, err = run(capsys, "purge", "--dry-run", "--yes")
    assert code == 2 and "Traceback" not in err and "not allowed with argument" in err


def test_the_history_names_the_command_as_who_did_it(capsys):
    registry.get_run_collection("P310")
    code, out, _ = run(capsys, "define_chain", "FT2/current", "P310")
    assert code == 0 and "FT2/current = P310" in out
    assert LedgerEvent.objects.get(kind="chain_defined").actor == "system: manage.py define_chain"


# Every command of the portal's apps with an argument a person gets wrong: a name that does not
# exist, a file that is missing or is not what it should be, a value of the wrong kind.
NOT_JSON = "not-json.json"
BAD_ARGUMENTS = {
    "database_roles": [["l2portal_app", "--password-env", "L2PORTAL_NO_SUCH_VARIABLE"]],
    "recover": [["--no-such-option"]],
    "create_role_user": [["alice", "astronaut"]],
    "load_demo": [["extra"]],
    "queues": [["extra"]],
    "list_programs": [["--state", "NOPE"]],
    "scan_metadata": [
        ["--file", "missing.json"],
        ["--file", NOT_JSON],
        ["--url", "http://127.0.0.1:9/graphql"],
    ],
    "define_chain": [["FT2/current", "NOPE"]],
    "export_registry": [["--collection", "NOPE", "--output", "out.json"]],
    "import_registry": [["missing.json"], [NOT_JSON]],
    "purge": [[]],
    "register_instrument": [["XRT", "--full-name", "X", "--observatory", "Y", "--dimensions", ""]],
    "backfill_campaign": [["NOPE", "--to", "546407418"], ["P310", "--to", "last"]],
    "carry_forward_ft2": [
        [
            "--previous-1s",
            "missing.fits",
            "--previous-30s",
            "missing.fits",
            "--magic7",
            "missing.txt",
            "--processing",
            "P310",
            "--file-version",
            "2",
            "--output-1s",
            "a.fits",
            "--output-30s",
            "b.fits",
        ]
    ],
    "create_campaign": [["P310", "--runs", "546407418:545208791"], ["P310", "--run-list", "one,two"]],
    "generate_demo_magic7": [["first"]],
    "ingest_downlink": [["no-such-folder"]],
    "make_ft2": [
        ["--magic7", "missing.txt", "--start", "0", "--stop", "10", "--output", "a.fits"],
        ["--magic7", NOT_JSON, "--start", "0", "--stop", "10", "--output", "a.fits"],
        ["--definitions", "NOPE"],
    ],
    "merge_events": [["missing.fits", "--output", "m.fits"], [NOT_JSON, "--output", "m.fits"]],
    "purge_staging": [["--no-such-option"]],
    "register_ft2_inputs": [["no-such-folder"]],
    "register_magic7": [["545208791", "missing.txt", "--stop", "545214791"]],
    "start_campaign": [["NOPE"]],
    "submit_bti": [["545208791", "--file", "missing.json"], ["545208791", "--file", NOT_JSON]],
    "build_ppr": [["uid://nope", "--output", "ppr.xml"]],
    "rotate_api_token": [["nobody"], ["fssc", "--days", "a week"]],
    "verify_data_root": [["--sample", "0"], ["--sample", "many"]],
}


def portal_commands() -> set[str]:
    from django.core.management import get_commands

    own = ("l2portal", "pipelines", "restore")
    return {name for name, app in get_commands().items() if app.startswith(own)}


def test_every_command_of_the_portal_is_tried_with_a_bad_argument():
    assert portal_commands() <= set(BAD_ARGUMENTS)


@pytest.mark.parametrize(
    "argv", [[name, *arguments] for name, cases in BAD_ARGUMENTS.items() for arguments in cases], ids=str
)
def test_a_bad_argument_ends_as_one_line_never_a_traceback(capsys, tmp_path, monkeypatch, argv):
    if argv[0] not in portal_commands():
        pytest.skip(f"{argv[0]} is not a command of this checkout")
    monkeypatch.chdir(tmp_path)
    (tmp_path / NOT_JSON).write_text("SIMPLE  = this is neither JSON nor FITS\n")
    code, _, err = run(capsys, *argv)
    assert code in (1, 2), err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(("CommandError: ", f"manage.py {argv[0]}: error: ")), err
    if code == 1:  # a refusal, not argparse's usage: only the one line
        assert err.count("\n") == 1, err
    assert not any(leak in err for leak in EXCEPTION_TEXT), err


# What exception text looks like when it leaks into a message meant for a person.
EXCEPTION_TEXT = ("HTTPConnectionPool", "invalid literal", "Header size is not multiple")
