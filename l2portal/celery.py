"""The Celery application. Workers: `make worker` (all queues) or `celery -A l2portal worker -Q fits`."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "l2portal.settings")

# One queue per kind of work so a site can give FITS generation, merging and restores their own
# workers (and hosts) without touching code.
QUEUES = ("default", "fits", "merge", "restore")

app = Celery("l2portal", task_cls="l2portal.ledger.execution:ExecutionTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in QUEUES]
app.autodiscover_tasks()
