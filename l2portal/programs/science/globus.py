"""Transfers with Globus, as the DKIST data center moves its files (DKISTDC/level2
``App/Effect/Transfer.hs``, ``App/Worker/Publish.hs``), on the maintained globus-sdk.

A job becomes one Globus task: one ``TransferData`` item per folder or file, ``verify_checksum``
set so Globus compares every file's checksum on both ends (a mismatch is a fault it retries), and a
sync level (checksum by default) so a task submitted again after a failure skips what already
arrived intact. The submission id is taken and remembered before the task is submitted, so a
worker that dies between submitting and recording the task id submits again under the same id and
Globus answers with the task it already has. The task is polled until it ends; while it runs its
counters are reported. A task the service no longer knows (HTTP 404, seen by the data center) is
submitted again, not a crash. Access tokens come from a confidential client's credentials or a
refresh token; an expired one is renewed by the SDK's authorizer and the request retried.

Per-file results: the files Globus reports transferred, and (for a local destination) those it
skipped as already there; every task event that is an error is a fault on the report.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import globus_sdk

from .transfer import (
    Fault,
    FileResult,
    StillRunning,
    TransferBackend,
    TransferError,
    TransferJob,
    TransferReport,
    TransferState,
    TransferUnavailable,
    TransferWatch,
)

VERIFIED_BY = "globus checksum"
SYNC_LEVELS = ("exists", "size", "mtime", "checksum")


@dataclass(frozen=True)
class GlobusSettings:
    transfer_url: str | None = None  # None: Globus's own service
    auth_url: str | None = None
    client_id: str = ""
    client_secret: str = ""  # a confidential client's; with no refresh token its credentials are used
    refresh_token: str = ""
    sync_level: str = "checksum"
    poll_seconds: float = 10.0
    wait_seconds: float = 5 * 3600.0  # then StillRunning: the caller checks again later


def authorizer(settings: GlobusSettings) -> globus_sdk.authorizers.RenewingAuthorizer:
    """A renewing authorizer for the Transfer API: a refresh token's (with a native or a
    confidential client), else a confidential client's own credentials."""
    if not settings.client_id:
        raise TransferError(
            "Globus is not configured: set PROGRAMS_GLOBUS_CLIENT_ID (and a secret or a refresh token)"
        )
    if settings.client_secret:
        client = globus_sdk.ConfidentialAppAuthClient(
            settings.client_id, settings.client_secret, base_url=settings.auth_url
        )
    else:
        client = globus_sdk.NativeAppAuthClient(settings.client_id, base_url=settings.auth_url)
    if settings.refresh_token:
        return globus_sdk.RefreshTokenAuthorizer(settings.refresh_token, client)
    if not settings.client_secret:
        raise TransferError("Globus needs PROGRAMS_GLOBUS_CLIENT_SECRET or PROGRAMS_GLOBUS_REFRESH_TOKEN")
    return globus_sdk.ClientCredentialsAuthorizer(client, globus_sdk.TransferClient.scopes.all)


def _describe(error: globus_sdk.GlobusAPIError) -> str:
    return f"HTTP {error.http_status} {error.code}: {error.message}"


class GlobusBackend(TransferBackend):
    name = "globus"

    def __init__(self, settings: GlobusSettings, *, sleep: Callable[[float], None] = time.sleep):
        if settings.sync_level not in SYNC_LEVELS:
            raise TransferError(
                f"PROGRAMS_GLOBUS_SYNC_LEVEL={settings.sync_level!r}; choose one of {', '.join(SYNC_LEVELS)}"
            )
        self.settings = settings
        self.sleep = sleep
        self._client: globus_sdk.TransferClient | None = None

    @property
    def client(self) -> globus_sdk.TransferClient:
        if self._client is None:
            self._client = globus_sdk.TransferClient(
                base_url=self.settings.transfer_url, authorizer=authorizer(self.settings)
            )
        return self._client

    def _submit(self, job: TransferJob, resume: dict, watch: TransferWatch, fresh: bool) -> str:
        if fresh or not resume.get("submission_id"):
            resume["submission_id"] = self.client.get_submission_id()["value"]
            resume.pop("task_id", None)
            watch.remember(resume)
        data = globus_sdk.TransferData(
            job.source.collection,
            job.destination.collection,
            label=job.label[:128],
            submission_id=resume["submission_id"],
            sync_level=self.settings.sync_level,
            verify_checksum=True,
        )
        for item in job.items:
            source, destination = job.source.path(item.source), job.destination.path(item.destination)
            if item.recursive:
                source, destination = source.rstrip("/") + "/", destination.rstrip("/") + "/"
            data.add_item(source, destination, recursive=item.recursive)
        answer = self.client.submit_transfer(data)  # "Accepted", or "Duplicate" with the same task
        resume["task_id"] = answer["task_id"]
        watch.remember(resume)
        return answer["task_id"]

    def run(self, job: TransferJob, watch: TransferWatch, resume: Mapping | None = None) -> TransferReport:
        resume = dict(resume or {})
        faults: list[Fault] = []
        try:
            task_id = resume.get("task_id") or self._submit(job, resume, watch, fresh=False)
            deadline = time.monotonic() + self.settings.wait_seconds
            while True:
                try:
                    task = self.client.get_task(task_id)
                except globus_sdk.TransferAPIError as error:
                    if error.http_status != 404:
                        raise
                    # The service forgot the task: submit the job again; sync skips what arrived.
                    faults.append(
                        Fault(
                            "TASK_FORGOTTEN",
                            f"Globus no longer knows task {task_id} ({_describe(error)}); submitted again",
                        )
                    )
                    task_id = self._submit(job, resume, watch, fresh=True)
                    continue
                watch.progress(self._state(task))
                if task["status"] == "SUCCEEDED":
                    break
                if task["status"] == "FAILED":
                    fatal = task.get("fatal_error") or {}
                    events = "; ".join(f"{f.code}: {f.description}" for f in self._faults(task_id)[-3:])
                    raise TransferError(
                        f"Globus task {task_id} failed: {fatal.get('code', 'FAILED')}: "
                        f"{fatal.get('description', task.get('nice_status') or 'no reason given')}"
                        + (f" (last events: {events})" if events else "")
                    )
                if time.monotonic() > deadline:
                    raise StillRunning(resume)
                self.sleep(self.settings.poll_seconds)
            return self._report(task_id, job, faults + self._faults(task_id))
        except globus_sdk.GlobusAPIError as error:
            if error.http_status >= 500:
                raise TransferUnavailable(f"Globus failed on {job.label!r}: {_describe(error)}") from None
            raise TransferError(f"Globus refused the transfer {job.label!r}: {_describe(error)}") from None
        except globus_sdk.NetworkError as error:
            raise TransferUnavailable(f"Globus could not be reached for {job.label!r}: {error}") from None

    @staticmethod
    def _state(task) -> TransferState:
        return TransferState(
            status=task["status"],
            task_id=task["task_id"],
            files_total=task.get("files"),
            files_done=(task.get("files_transferred") or 0) + (task.get("files_skipped") or 0),
            files_skipped=task.get("files_skipped") or 0,
            bytes_done=task.get("bytes_transferred") or 0,
            faults=task.get("faults") or 0,
            current=task.get("nice_status") or "",
        )

    def _faults(self, task_id: str) -> list[Fault]:
        return [
            Fault(
                event["code"], event.get("description", ""), event.get("details", ""), event.get("time", "")
            )
            for event in self.client.paginated.task_event_list(task_id).items()
            if event.get("is_error")
        ]

    def _report(self, task_id: str, job: TransferJob, faults: list[Fault]) -> TransferReport:
        """Every file of the job: those Globus transferred and, where one side is on this host,
        those it skipped as already there intact; each with its size where it can be seen."""
        source_root, destination_root = (e.root.rstrip("/") + "/" for e in (job.source, job.destination))
        transferred: dict[str, str] = {}
        for entry in self.client.paginated.task_successful_transfers(task_id).items():
            destination = entry["destination_path"].removeprefix(destination_root)
            transferred[destination] = entry["source_path"].removeprefix(source_root)
        sizes: dict[str, int] = {}
        for item in job.items:
            for relative, path in job.source.local_files(item.source, item.recursive):
                sizes[item.destination + relative.removeprefix(item.source)] = path.stat().st_size
            for relative, path in job.destination.local_files(item.destination, item.recursive):
                sizes[relative] = path.stat().st_size
        report = TransferReport(self.name, task_id=task_id, faults=faults)
        for relative in sorted(set(transferred) | set(sizes)):
            report.files.append(
                FileResult(
                    relative,
                    sizes.get(relative),
                    VERIFIED_BY,
                    skipped=relative not in transferred,
                    faults=[
                        f"{f.code}: {f.description}" for f in faults if f.details and relative in f.details
                    ],
                )
            )
        return report
