"""The demo data: loaded through the services, and loading it again changes nothing."""

import io

import pytest

from l2portal.registry.models import Product
from pipelines import conf
from pipelines.demo import CORRUPT_CHUNK, DEMO_RUNS, load_demo
from pipelines.models import BtiSet, CampaignRun, Chunk, Downlink, ReprocessingCampaign, Switchover
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db


def test_demo_loads_a_validated_campaign_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        load_demo(SYSTEM, io.StringIO())
    campaign = ReprocessingCampaign.objects.get(name="P310")
    assert campaign.state == "validated"
    assert set(CampaignRun.objects.values_list("state", flat=True)) == {"ready"}
    assert CampaignRun.objects.count() == len(DEMO_RUNS) == BtiSet.objects.count()
    # The runs' velocity-check deviations spread below the tolerance, for the campaign's chart.
    worst = list(CampaignRun.objects.order_by("data_run__run_id").values_list("velocity_worst", flat=True))
    assert worst == sorted(worst) and worst[-1] - worst[0] > 2 and worst[-1] < conf.velocity_tolerance()
    assert Switchover.objects.get().state == "proposed"
    # The first downlink is through Level 1; the second waits for its corrupt chunk to be fixed.
    assert list(Downlink.objects.order_by("downlink_id").values_list("state", flat=True)) == ["done", "error"]
    assert Chunk.objects.filter(state="error").get().number == CORRUPT_CHUNK[1]
    assert Product.objects.filter(collection__name="P310", product_type="export").count() == 1
    products = sorted(Product.objects.values_list("path", "sha256"))
    with django_capture_on_commit_callbacks(execute=True):
        load_demo(SYSTEM, io.StringIO())
    assert sorted(Product.objects.values_list("path", "sha256")) == products
    assert (BtiSet.objects.count(), Switchover.objects.count(), campaign.transitions.count()) == (4, 1, 3)
