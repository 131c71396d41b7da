"""The house rules that a linter cannot see: one way to start a task, one way to page a list."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("l2portal", "pipelines", "restore")
STARTS_A_TASK = re.compile(r"\.apply_async\(|\.delay\(|delay_on_commit\(")


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


def test_only_the_portals_tables_paginate():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _sources()
        if path.relative_to(ROOT).parts[:3] != ("l2portal", "portal", "tables")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "Paginator(" in line
    ]
    assert offenders == [], "every list is a PortalTable built with portal_table() (CONTRIBUTING.md)"
