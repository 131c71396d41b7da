"""/metrics: the Prometheus text format read back with the Prometheus client's own parser, each
figure equal to what the database holds, a fixed number of queries whatever the data size, and
closed to anyone without the token or an allowed address."""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from l2portal.ledger.models import Execution, TaskIntent
from l2portal.portal.site import tracked_models
from l2portal.programs.models import ObservingProgram, Transfer
from l2portal.registry import services as registry
from l2portal.registry.models import Product
from pipelines.models import CampaignRun, DataRun, FsscDelivery, ReprocessingCampaign
from tests.factories import program
from tests.portal.alert_rules import PROMETHEUS_OWN, metrics_named, rules

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-of-the-tests"
QUALIFY = "l2portal.programs.tasks.qualify"


@pytest.fixture
def open_with_token(settings):
    settings.L2PORTAL_METRICS_TOKEN = TOKEN


def scrape(client) -> dict[str, dict[tuple, float]]:
    """sample name -> {sorted label pairs: value}, as Prometheus's parser reads the page."""
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def workload(size: int, tag: str) -> None:
    """``size`` of each thing the metrics count: programs in several states and ages, executions
    that succeeded (of several durations), failed, ran, were lost; intents waiting, due or not;
    transfers; FSSC deliveries."""
    now = timezone.now()
    states = ("discovered", "invertible", "error", "published")
    for n in range(size):
        program(f"eid_{tag}_{n}", state=states[n % 4], state_changed_at=now - timedelta(hours=n + 1))
    subject = program(f"eid_{tag}_transfers")
    for n in range(size):
        status = (Execution.Status.SUCCEEDED, Execution.Status.FAILED)[n % 2]
        started = now - timedelta(hours=2)
        Execution.objects.create(
            task_name=QUALIFY,
            status=status,
            started_at=started,
            finished_at=started + timedelta(seconds=7 * n**2 + 0.5),
            worker=f"worker{n % 2}@{tag}",
            heartbeat_at=started,
        )
        TaskIntent.objects.create(task_name=QUALIFY, created_at=now - timedelta(minutes=n + 1))
        Transfer.objects.create(
            program=subject, purpose=("fetch", "publish")[n % 2], status="succeeded", bytes_done=1000 * n
        )
    Execution.objects.create(task_name=QUALIFY, worker=f"worker0@{tag}", heartbeat_at=now)
    Execution.objects.create(task_name=QUALIFY, status=Execution.Status.LOST, finished_at=now)
    TaskIntent.objects.create(task_name=QUALIFY, not_before=now + timedelta(hours=1))  # a countdown
    campaign = ReprocessingCampaign.objects.create(name=tag, collection=registry.get_run_collection(tag))
    for n in range(size):
        run = CampaignRun.objects.create(
            campaign=campaign, data_run=DataRun.objects.create(run_id=int(tag[1:]) * 1000 + n)
        )
        product = Product.objects.create(
            collection=campaign.collection,
            path=f"{tag}/{tag}_ft2_{n}.fit",
            product_type="ft2_1s",
            size=1,
            sha256="0" * 64,
        )
        FsscDelivery.objects.create(product=product, campaign_run=run, state=("ready", "ingested")[n % 2])


def test_each_figure_is_what_the_database_holds(client, open_with_token):
    workload(9, "P901")
    samples = scrape(client)
    now = timezone.now()

    items = samples["l2portal_items"]
    for model in tracked_models():  # every tracked model of every app, each of its states
        labels = {"app": model._meta.app_label, "model": model.__name__}
        for state, _ in model.machine.states:
            assert (("app", labels["app"]), ("model", labels["model"]), ("state", state)) in items
    by_state = Counter(ObservingProgram.objects.values_list("state", flat=True))
    for state, count in by_state.items():
        assert items[("app", "programs"), ("model", "ObservingProgram"), ("state", state)] == count

    oldest = samples["l2portal_oldest_item_age_seconds"]
    assert (("app", "programs"), ("model", "ObservingProgram"), ("state", "published")) not in oldest  # final
    for state in ("discovered", "error"):
        since = ObservingProgram.objects.filter(state=state).earliest("state_changed_at").state_changed_at
        age = oldest[("app", "programs"), ("model", "ObservingProgram"), ("state", state)]
        assert (now - since).total_seconds() - 60 <= age <= (now - since).total_seconds()
    assert oldest[("app", "programs"), ("model", "ObservingProgram"), ("state", "working")] == 0

    intents = Counter(TaskIntent.objects.values_list("status", flat=True))
    assert samples["l2portal_task_intents"][(("status", "pending"),)] == intents["pending"] == 10
    assert samples["l2portal_task_intents"][(("status", "done"),)] == 0
    assert samples["l2portal_task_intents_due"][()] == 9  # not the one waiting for its countdown
    first_due = TaskIntent.objects.filter(not_before__isnull=True).earliest("created_at").created_at
    age = samples["l2portal_task_intent_oldest_due_age_seconds"][()]
    assert (now - first_due).total_seconds() - 60 <= age <= (now - first_due).total_seconds()

    runs = Counter(Execution.objects.values_list("status", flat=True))
    assert samples["l2portal_executions_running"][(("task", QUALIFY),)] == runs["running"] == 1
    for status in ("succeeded", "failed", "lost"):
        assert samples["l2portal_executions_total"][("status", status), ("task", QUALIFY)] == runs[status]

    durations = [
        (run.finished_at - run.started_at).total_seconds()
        for run in Execution.objects.filter(status="succeeded")
    ]
    buckets = samples["l2portal_step_duration_seconds_bucket"]
    for key, count in buckets.items():
        bound = float(dict(key)["le"])
        assert count == sum(duration <= bound for duration in durations), key
    assert samples["l2portal_step_duration_seconds_count"][(("task", QUALIFY),)] == len(durations)
    assert samples["l2portal_step_duration_seconds_sum"][(("task", QUALIFY),)] == pytest.approx(
        sum(durations)
    )

    seen = samples["l2portal_worker_last_seen_timestamp_seconds"]
    assert set(seen) == {(("worker", "worker0@P901"),), (("worker", "worker1@P901"),)}
    assert seen[(("worker", "worker0@P901"),)] == pytest.approx(
        Execution.objects.filter(status="running").get().heartbeat_at.timestamp()
    )

    transfers = Counter(Transfer.objects.values_list("purpose", "status"))
    for (purpose, status), count in transfers.items():
        assert samples["l2portal_transfers"][("purpose", purpose), ("status", status)] == count
    for purpose in ("fetch", "publish"):
        moved = sum(t.bytes_done for t in Transfer.objects.filter(purpose=purpose))
        assert samples["l2portal_transfer_bytes_total"][(("purpose", purpose),)] == moved

    outcomes = Counter(FsscDelivery.objects.values_list("state", flat=True))
    assert {key[0][1]: value for key, value in samples["l2portal_fssc_deliveries"].items()} == outcomes


def test_a_scrape_costs_the_same_queries_at_two_data_sizes(client, open_with_token):
    def queries_of_a_scrape() -> int:
        with CaptureQueriesContext(connection) as queries:
            scrape(client)
        return len(queries)

    workload(2, "P902")
    small = queries_of_a_scrape()
    workload(40, "P903")
    assert queries_of_a_scrape() == small
    # One a tracked model, one a declared measure, five for the kernel's figures.
    assert small == len(tracked_models()) + 3 + 5


def test_django_request_figures_are_there_too(client, open_with_token):
    client.get("/healthz")
    samples = scrape(client)
    assert samples["django_http_responses_total_by_status_total"][(("status", "200"),)] >= 1


def test_closed_until_configured(client):
    response = client.get("/metrics")
    assert response.status_code == 403
    assert "L2PORTAL_METRICS_TOKEN" in response.content.decode()
    assert "L2PORTAL_METRICS_NETWORKS" in response.content.decode()


def test_the_token_is_asked_for_and_a_wrong_one_refused(client, open_with_token):
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert "Authorization: Bearer" in response.content.decode()
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")
    assert wrong.status_code == 403
    assert "not the one set in L2PORTAL_METRICS_TOKEN" in wrong.content.decode()
    assert "l2portal_items" not in wrong.content.decode()


def test_allowed_networks_scrape_without_the_token(client, settings):
    settings.L2PORTAL_METRICS_NETWORKS = "10.1.0.0/16, 192.0.2.7/32"
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::ffff:192.0.2.7").status_code == 200  # IPv4 on a v6 socket
    outside = client.get("/metrics", REMOTE_ADDR="10.2.0.1")
    assert outside.status_code == 403
    assert "10.2.0.1 is in none of L2PORTAL_METRICS_NETWORKS" in outside.content.decode()


def test_either_the_token_or_the_network_lets_a_scrape_in(client, settings):
    settings.L2PORTAL_METRICS_NETWORKS = "10.1.0.0/16"
    settings.L2PORTAL_METRICS_TOKEN = TOKEN
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert (
        client.get("/metrics", REMOTE_ADDR="10.9.9.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code
        == 200
    )
    assert client.get("/metrics", REMOTE_ADDR="10.9.9.9").status_code == 401


def test_a_wrong_network_setting_says_so(client, settings):
    settings.L2PORTAL_METRICS_NETWORKS = "10.1.0.0/16,intranet"
    response = client.get("/metrics", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 403
    assert "L2PORTAL_METRICS_NETWORKS is wrong" in response.content.decode()
    assert "intranet" in response.content.decode()


def test_every_metric_the_alert_rules_name_is_in_a_scrape(client, open_with_token):
    workload(2, "P904")
    client.get("/healthz")  # a response for Django's request figures
    scraped = set(scrape(client))
    for rule in rules():
        named = metrics_named(rule["expr"])
        assert named, rule["alert"]
        assert named - PROMETHEUS_OWN <= scraped, (rule["alert"], sorted(named - scraped))
