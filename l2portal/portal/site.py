"""How an app joins the portal: its AppConfig subclasses PortalApp and declares, in one place, its
navigation, pages, API routes, queues, roles, dashboard cards, periodic tasks, instruments, metrics
and demo loader.

The site reads those declarations (urls.py, the dashboard, the navigation, role setup, Celery's
routes and beat schedule, `manage.py queues` for the Makefile and compose), so adding an app
touches INSTALLED_APPS and the app's own folder only."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from fnmatch import fnmatchcase
from urllib.parse import urlencode

from django.apps import AppConfig, apps
from django.urls import NoReverseMatch, reverse

from ..ledger.roles import has_role

DEFAULT_QUEUE = "default"


@dataclass(frozen=True)
class Nav:
    """A link in the top navigation; ``roles`` limits who sees it (everyone signed in if empty)."""

    label: str
    url_name: str
    roles: tuple[str, ...] = ()
    fragment: str = ""  # "#/products": a part of the page (the API docs' products)

    def url(self) -> str:
        return reverse(self.url_name) + self.fragment

    def shown_to(self, user) -> bool:
        return not self.roles or has_role(user, *self.roles)


@dataclass(frozen=True)
class Card:
    """A dashboard board: a tracked model's objects counted by state. The title links to the
    portal's list ``url_name``, each count to that list filtered by its state (``?state=error``):
    every role follows a count into a page of the portal, never into the admin."""

    model: str  # "app_label.ModelName"
    url_name: str

    def list_url(self, state: str = "") -> str:
        url = reverse(self.url_name)
        return f"{url}?{urlencode({'state': state})}" if state else url


@dataclass(frozen=True)
class InstrumentSpec:
    """An instrument the app ingests from, registered in the data registry after every migrate:
    its data ids are made of ``dimensions``, in order (LAT: run)."""

    name: str
    full_name: str
    observatory: str
    dimensions: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class Periodic:
    """A task Celery beat starts every ``every``."""

    name: str
    task: str
    every: timedelta


@dataclass(frozen=True)
class Measure:
    """A figure of the app's own at /metrics, read at every scrape: the rows of ``model`` counted
    (or ``total``, a field, summed), one series per value of the fields ``by``, exported as
    ``l2portal_<name>`` with those fields as labels. ``counter``: it only grows (bytes moved), so
    Prometheus may take its rate."""

    name: str
    help: str
    model: str  # "app_label.ModelName"
    by: tuple[str, ...] = ()
    total: str | None = None
    counter: bool = False


class PortalApp(AppConfig):
    """Base of every app of the portal. Leave out what the app does not have."""

    # Not a candidate when Django looks for the AppConfig of an apps.py that imports it; its
    # subclasses are (unless they say otherwise).
    default = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.default = cls.__dict__.get("default", True)

    url_prefix: str | None = None  # pages from "<app>.urls" at /<url_prefix>
    navigation: tuple[Nav, ...] = ()  # the site's top navigation
    sections: tuple[Nav, ...] = ()  # the app's own pages, above each of them ({% sections "app" %})
    api: str | None = None  # a module with register(router), e.g. "pipelines.api.urls"
    queues: dict[str, tuple[str, ...]] = {}  # queue -> task-name patterns routed to it
    roles: tuple[str, ...] = ()  # the roles (groups) the app's users act in
    # role -> app labels whose model permissions that role holds in the admin
    permissions: dict[str, tuple[str, ...]] = {}
    dashboard: tuple[Card, ...] = ()
    # "app_label.ModelName" -> the URL name of one object's page (taking its pk): where the change
    # log, timelines and executions link an object to
    object_pages: dict[str, str] = {}
    periodic: tuple[Periodic, ...] = ()
    instruments: tuple[InstrumentSpec, ...] = ()
    metrics: tuple[Measure, ...] = ()  # figures of its own at /metrics (its tracked models' states come free)
    demo: str | None = None  # "module.function", called by `manage.py load_demo` as f(actor, stdout)

    def ready(self):
        # Registers the app's tasks in every process, so services can enqueue them by name, and
        # the event kinds it records.
        for module in ("tasks", "events"):
            if importlib.util.find_spec(f"{self.name}.{module}") is not None:
                importlib.import_module(f"{self.name}.{module}")


def portal_apps() -> list[PortalApp]:
    """The portal's apps in INSTALLED_APPS order."""
    return [config for config in apps.get_app_configs() if isinstance(config, PortalApp)]


def navigation(user) -> list[Nav]:
    return [entry for config in portal_apps() for entry in config.navigation if entry.shown_to(user)]


def sections(app_label: str, user) -> list[Nav]:
    """The app's own pages that ``user`` may see."""
    return [entry for entry in apps.get_app_config(app_label).sections if entry.shown_to(user)]


def page_urls() -> list:
    from django.urls import include, path

    return [
        path(config.url_prefix, include(f"{config.name}.urls"))
        for config in portal_apps()
        if config.url_prefix is not None
    ]


def register_api(router) -> None:
    for config in portal_apps():
        if config.api:
            importlib.import_module(config.api).register(router)


def queues() -> list[str]:
    """Every queue a worker should consume, the default first."""
    named = [queue for config in portal_apps() for queue in config.queues]
    return [DEFAULT_QUEUE, *sorted(set(named) - {DEFAULT_QUEUE})]


def _routes() -> tuple[tuple[str, str], ...]:
    """(pattern, queue), the most specific pattern first: 'pipelines.tasks.merge_*' is tried
    before 'pipelines.tasks.*' whatever order the apps declared them in."""
    routes = [
        (pattern, queue)
        for config in portal_apps()
        for queue, patterns in config.queues.items()
        for pattern in patterns
    ]
    return tuple(sorted(routes, key=lambda route: (-len(route[0].replace("*", "")), route[0])))


def route_task(name: str, args=None, kwargs=None, options=None, task=None, **kw) -> dict:
    """Celery router (settings.CELERY_TASK_ROUTES): the queue a task name is declared for."""
    for pattern, queue in _routes():
        if fnmatchcase(name, pattern):
            return {"queue": queue}
    return {"queue": DEFAULT_QUEUE}


def instruments() -> list[InstrumentSpec]:
    return [spec for config in portal_apps() for spec in config.instruments]


def beat_schedule() -> dict[str, dict]:
    return {
        entry.name: {"task": entry.task, "schedule": entry.every}
        for config in portal_apps()
        for entry in config.periodic
    }


def roles() -> list[str]:
    return sorted({role for config in portal_apps() for role in config.roles})


def role_permissions() -> dict[str, set[str]]:
    """role -> the app labels whose model permissions it holds."""
    granted: dict[str, set[str]] = {}
    for config in portal_apps():
        for role, labels in config.permissions.items():
            granted.setdefault(role, set()).update(labels)
    return granted


def dashboard_cards() -> Iterator[tuple[type, Card]]:
    for config in portal_apps():
        for card in config.dashboard:
            yield apps.get_model(card.model), card


def tracked_models() -> list[type]:
    """Every tracked model (a state machine) of the portal's apps."""
    from ..ledger.models import Tracked

    return [model for config in portal_apps() for model in config.get_models() if issubclass(model, Tracked)]


def measures() -> Iterator[tuple[type, Measure]]:
    for config in portal_apps():
        for measure in config.metrics:
            yield apps.get_model(measure.model), measure


def object_url(model_label: str, pk) -> str | None:
    """The page of one object (``model_label`` as "app_label.modelname", any case): the page its
    app declares in ``object_pages``, else its admin page, else None."""
    wanted = model_label.lower()
    for config in portal_apps():
        for label, url_name in config.object_pages.items():
            if label.lower() == wanted:
                return reverse(url_name, args=[pk])
    app_label, _, model = wanted.partition(".")
    try:
        return reverse(f"admin:{app_label}_{model}_change", args=[pk])
    except NoReverseMatch:
        return None


def demo_loaders() -> Iterator[tuple[PortalApp, Callable]]:
    for config in portal_apps():
        if config.demo:
            module, _, function = config.demo.rpartition(".")
            yield config, getattr(importlib.import_module(module), function)
