"""`manage.py load_demo` for observing programs: everything through the services, idempotent, and
every invertible program can be preprocessed from the pages afterwards."""

import io

import pytest
from astropy.io import fits
from django.core.management.base import OutputWrapper

from l2portal.ledger.selectors import failure_of
from l2portal.programs import demo, selectors, services
from l2portal.programs.models import Inversion, ObservingProgram
from l2portal.registry.services import absolute_path
from tests.factories import SYSTEM
from tests.programs.dkist_load import assert_dkist_loads

pytestmark = pytest.mark.django_db


def test_demo_drives_programs_to_every_state_loads_again_without_change_and_preprocesses_any(
    scientist, operator
):
    written = io.StringIO()
    out = OutputWrapper(written)  # what `manage.py load_demo` passes
    demo.load_demo(SYSTEM, out)
    counts = selectors.state_counts(ObservingProgram.objects.all())
    assert {"preprocessed", "working", "inverted", "published", "error"} <= set(counts)
    assert ObservingProgram.objects.get(state="working").owner == scientist
    assert ObservingProgram.objects.filter(priority__gt=0).count() == len(demo.DEMO_GOALS)
    published = ObservingProgram.objects.get(state="published").inversions.get()
    assert published.asdf is not None and published.store_answer["asdfObjectKey"].endswith(
        "_L2_metadata.asdf"
    )
    frames = selectors.level2_frames(published)
    with fits.open(absolute_path(frames[0])) as hdus:
        assert hdus["Magnetic Field Strength"].header["BUNIT"] == "T" and hdus["Temperature"].data.min() > 0
    # Every inversion the demo publishes loads in the DKIST user tools as its frames.
    for inversion in Inversion.objects.exclude(asdf=None).select_related("asdf"):
        assert_dkist_loads(
            absolute_path(inversion.asdf), [absolute_path(f) for f in selectors.level2_frames(inversion)]
        )
    failed = ObservingProgram.objects.get(state="error")
    assert "publishing failed: the metadata store refused it" in failure_of(failed).reason

    demo.load_demo(SYSTEM, out)
    assert selectors.state_counts(ObservingProgram.objects.all()) == counts
    assert any("0 new, 0 updated" in line for line in written.getvalue().splitlines()[-3:])

    # The operator can preprocess any invertible program the demo left (issue 12: every one failed).
    untouched = list(ObservingProgram.objects.filter(state="invertible"))
    assert len(untouched) >= 3
    for program in untouched:
        services.run_preprocess(program.pk, SYSTEM)
        program.refresh_from_db()
        assert program.state == "preprocessed", failure_of(program)
