"""Apps register themselves: installing an app that only declares its PortalApp puts it in the
navigation, the pages, the API root, the queue routes, the beat schedule and the role setup."""

import importlib

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test.utils import override_settings
from django.urls import clear_url_caches

import l2portal.urls
from l2portal.celery import app as celery_app
from l2portal.ledger import services as ledger
from l2portal.ledger.events import UndeclaredEvent
from l2portal.ledger.models import LedgerEvent
from l2portal.portal import site as portal
from l2portal.portal.roles_setup import ensure_groups, ensure_user
from l2portal.registry.models import Instrument
from l2portal.registry.services import seed_instruments
from tests.factories import SYSTEM

EXAMPLE = "tests.example_app"


def _reload_urls():
    importlib.reload(l2portal.urls)
    clear_url_caches()


@pytest.fixture
def example_app():
    with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, EXAMPLE]):
        _reload_urls()
        yield
    _reload_urls()


@pytest.mark.django_db
def test_an_installed_app_appears_in_navigation_pages_and_api(example_app, client):
    client.force_login(ensure_user("watcher", "observer", "watcher")[0])
    home = client.get("/").content.decode()
    assert '<a href="/example/">Example things</a>' in home
    assert client.get("/example/").content == b"example index"
    assert "example-things" in client.get("/api/").json()
    assert client.get("/api/example-things/").json() == []


@pytest.mark.django_db
def test_an_installed_app_declares_its_queue_schedule_and_roles(example_app):
    assert "crunch" in portal.queues()
    assert portal.route_task("tests.example_app.tasks.crunch_tick") == {"queue": "crunch"}
    assert (
        celery_app.amqp.router.route({}, "tests.example_app.tasks.crunch_tick", (), {})["queue"].name
        == "crunch"
    )
    assert portal.beat_schedule()["example-tick"]["task"] == "tests.example_app.tasks.crunch_tick"
    ensure_groups()
    observer = Group.objects.get(name="observer")
    assert observer.permissions.filter(content_type__app_label="ledger").exists()


@pytest.mark.django_db
def test_an_installed_app_declares_its_instrument_and_event_kinds(example_app, client, operator):
    from tests.example_app.events import THING_CRUNCHED

    seed_instruments()
    xrt = Instrument.objects.get(name="XRT")
    assert (xrt.observatory, xrt.dimensions) == ("Swift", ["obsid"])
    ledger.record_event(THING_CRUNCHED, "crunched one", SYSTEM)
    client.force_login(operator)
    page = client.get("/registry/changes/?kind=thing_crunched").content.decode()
    assert '<option value="thing_crunched" selected>Example thing crunched</option>' in page
    assert "crunched one" in page


@pytest.mark.django_db
def test_an_event_kind_nobody_declared_is_refused_before_anything_is_written():
    with pytest.raises(UndeclaredEvent, match="thing_crunched_twice"):
        ledger.record_event("thing_crunched_twice", "oops", SYSTEM)
    assert not LedgerEvent.objects.exists()


def test_without_it_nothing_of_it_remains():
    assert "crunch" not in portal.queues()
    assert "example-tick" not in portal.beat_schedule()
    assert portal.route_task("tests.example_app.tasks.crunch_tick") == {"queue": "default"}
    assert "XRT" not in [spec.name for spec in portal.instruments()]


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("pipelines.tasks.process_campaign_run", "fits"),
        ("pipelines.tasks.merge_run", "merge"),
        ("restore.tasks.run", "restore"),
        ("l2portal.programs.tasks.preprocess_program", "default"),
        ("l2portal.registry.tasks.purge_expired", "default"),
    ],
)
def test_every_task_lands_on_the_queue_its_app_declares(task, queue):
    assert portal.route_task(task) == {"queue": queue}
    assert celery_app.amqp.router.route({}, task, (), {})["queue"].name == queue
