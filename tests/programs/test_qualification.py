"""Qualification rules in force and an operator's re-qualification, through the services (the
pure checks are in test_qualify.py, the settle period in test_scan.py)."""

import pytest

from l2portal.ledger.services import Actor
from l2portal.programs import services
from l2portal.programs.models import ObservingProgram
from tests.programs.conftest import invertible

pytestmark = pytest.mark.django_db


def test_settings_rules_apply_without_a_database_row(loaded, operator, settings):
    settings.PROGRAMS_QUALIFICATION_RULES = '{"require_on_disk": false}'
    program = services.requalify(
        ObservingProgram.objects.get(execution_id=invertible(6).execution_id), Actor.of_user(operator)
    )
    assert "on_disk" not in program.qualification["checks"]  # off_disk scenario, disk check off
    assert program.state == "invertible" and program.rules_version == "settings"
