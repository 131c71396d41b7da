"""What the ledger runs inside worker and beat processes: the relay that sends work left pending
while the broker was down. It needs only the database, so it keeps trying while the broker is away
and the work goes out the moment it is back."""

import logging
import threading

from celery import signals
from django.db import connection

from . import conf

log = logging.getLogger(__name__)


def _relay_forever(stop: threading.Event) -> None:
    from .services import relay_pending

    while not stop.wait(conf.relay_seconds()):
        try:
            sent = relay_pending()
            if sent:
                log.info("relay: %d queued tasks sent to the broker", sent)
        except Exception as error:  # the database may be away too; try again next time
            log.warning("relay: %s", error)
        finally:
            connection.close()


def start_relay(**_) -> threading.Event:
    log.info("relay: sending work queued while the broker was down every %g s", conf.relay_seconds())
    stop = threading.Event()
    threading.Thread(target=_relay_forever, args=(stop,), name="l2portal-relay", daemon=True).start()
    return stop


def connect() -> None:
    signals.worker_ready.connect(start_relay, weak=False, dispatch_uid="l2portal-relay-worker")
    signals.beat_init.connect(start_relay, weak=False, dispatch_uid="l2portal-relay-beat")
