"""The house rules that a linter cannot see: one way to start a task, use cases in files small
enough to read at once."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("l2portal", "pipelines", "restore")
STARTS_A_TASK = re.compile(r"\.apply_async\(|\.delay\(|delay_on_commit\(")
LONGEST_USE_CASE = 450  # lines


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_only_the_ledger_starts_tasks():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _sources()
        if "ledger" not in path.relative_to(ROOT).parts
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if STARTS_A_TASK.search(line)
    ]
    assert offenders == [], "use l2portal.ledger.services.enqueue()"


@pytest.mark.parametrize("layer", ["services", "api"])
def test_use_cases_and_api_modules_stay_small(layer):
    modules = [
        path for path in _sources() if path.stem == layer or layer in path.relative_to(ROOT).parts[:-1]
    ]
    assert modules
    long = {
        str(path.relative_to(ROOT)): n
        for path in modules
        if (n := len(path.read_text().splitlines())) > LONGEST_USE_CASE
    }
    assert long == {}, "split by use case (CONTRIBUTING.md)"
