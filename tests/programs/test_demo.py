"""`manage.py load_demo` for observing programs: everything through the services, idempotent."""

import io

import pytest
from django.core.management.base import OutputWrapper

from l2portal.programs import demo, selectors
from l2portal.programs.models import ObservingProgram
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db


def test_demo_drives_programs_to_every_state_and_loads_again_without_change(scientist, operator):
    written = io.StringIO()
    out = OutputWrapper(written)  # what `manage.py load_demo` passes
    demo.load_demo(SYSTEM, out)
    counts = selectors.state_counts(ObservingProgram.objects.all())
    assert {"preprocessed", "working", "inverted", "published", "error"} <= set(counts)
    assert ObservingProgram.objects.get(state="working").owner == scientist
    assert ObservingProgram.objects.filter(priority__gt=0).count() == len(demo.DEMO_GOALS)

    demo.load_demo(SYSTEM, out)
    assert selectors.state_counts(ObservingProgram.objects.all()) == counts
    assert "0 new, 0 updated" in written.getvalue().splitlines()[-2]
