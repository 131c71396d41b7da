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
