"""The Celery application. Workers: `make worker` (every queue) or `celery -A l2portal worker -Q fits`.

Queues are declared by the apps (PortalApp.queues; `manage.py queues` lists them), so a site can
give FITS generation, merging and restores their own workers and hosts without touching code."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "l2portal.settings")

app = Celery("l2portal", task_cls="l2portal.ledger.execution:ExecutionTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def _refuse_unsafe_settings(**_):
    from django.core.exceptions import ImproperlyConfigured

    from l2portal.startup import require_production_settings

    try:
        require_production_settings()
    except ImproperlyConfigured as error:
        raise SystemExit(str(error)) from None  # Celery logs and ignores a signal handler's Exception
