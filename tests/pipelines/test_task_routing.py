"""Every pipelines task lands on the queue apps.py declares for it: FT2 work and chunk decoding on
"fits", event merging on "merge" ("pipelines.tasks.merge_*" is more specific than "pipelines.tasks.*"),
the scan of the incoming root on "default" (not behind FT2 work)."""

import pytest

from l2portal.celery import app as celery_app
from l2portal.portal.site import route_task

QUEUES = {
    "pipelines.tasks.process_campaign_run": "fits",
    "pipelines.tasks.finish_campaign_pass": "fits",
    "pipelines.tasks.decode_chunk": "fits",
    "pipelines.tasks.advance_downlink": "fits",
    "pipelines.tasks.merge_run": "merge",
    "pipelines.tasks.level1_run": "fits",
    "pipelines.tasks.notify_online": "fits",
    "pipelines.tasks.purge_staging": "fits",
    "pipelines.tasks.scan_incoming": "default",
}


def test_every_pipelines_task_is_listed_here():
    assert {name for name in celery_app.tasks if name.startswith("pipelines.")} == set(QUEUES)


@pytest.mark.parametrize(("task", "queue"), sorted(QUEUES.items()))
def test_each_task_lands_on_its_declared_queue(task, queue):
    assert route_task(task) == {"queue": queue}
    assert celery_app.amqp.router.route({}, task, (), {})["queue"].name == queue
