"""gunicorn's settings for the portal's web server (`gunicorn -c python:l2portal.gunicorn_conf`, as
the image and the systemd unit start it). With PROMETHEUS_MULTIPROC_DIR set, every worker process
keeps Django's request figures in that folder and /metrics sums them: the folder is emptied when
the server starts (figures of an earlier server would count twice), and a worker that exits is
marked dead so its live gauges go."""

import os
import shutil
from pathlib import Path


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
