"""A local stand-in for Globus: the Transfer API calls the portal makes and the Auth token
endpoint, over real HTTP, so the real globus-sdk runs against it in the tests.

Transfer API v0.10 (``GET /v0.10/submission_id``, ``POST /v0.10/transfer``, ``GET
/v0.10/task/<id>``, ``GET /v0.10/task/<id>/successful_transfers``, ``GET
/v0.10/task/<id>/event_list``) with the documents and error bodies of docs.globus.org; tasks copy
between folders standing for collections, on a thread of their own (status ACTIVE, then SUCCEEDED
or FAILED), honour ``sync_level`` and ``verify_checksum`` (a checksum mismatch is a VERIFY_CHECKSUM
fault event and the file is copied again, three tries), and a submission id used twice answers
"Duplicate" with the first task. Auth: ``POST /v2/oauth2/token`` for the client_credentials and
refresh_token grants; every Transfer call needs a live bearer token (HTTP 401 otherwise).

Faults for tests: ``checksum`` (the next copy arrives corrupted), ``fail_after=N`` (the next task
fails after N files), ``forget`` (the next task is forgotten: 404), and ``expire_tokens()``.

    with GlobusServer({"L1": folder, "SCRATCH": other}, clients={"id": "secret"}) as globus:
        globus.transfer_url, globus.auth_url
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qs, urlsplit

from l2portal.local_server import BackgroundServer, QuietHandler

RESOURCE_SERVER = "transfer.api.globus.org"
SCOPE = f"urn:globus:auth:scope:{RESOURCE_SERVER}:all"
SYNC_LEVELS = {0: "exists", 1: "size", 2: "mtime", 3: "checksum"}
CHECKSUM_TRIES = 3
PAGE_SIZE = 100


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _checksum(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)  # Globus's default checksum algorithm
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class GlobusService:
    """The state behind the server: collections, clients and tokens, tasks and faults."""

    def __init__(
        self,
        collections: Mapping[str, str | Path],
        clients: Mapping[str, str],
        refresh_tokens: Mapping[str, str],
        token_lifetime: float,
        file_delay: float,
    ):
        self.collections = {name: Path(root) for name, root in collections.items()}
        self.clients = dict(clients)
        self.refresh_tokens = dict(refresh_tokens)  # token -> client id
        self.token_lifetime = token_lifetime
        self.file_delay = file_delay
        self.tokens: dict[str, float] = {}  # access token -> expiry (monotonic)
        self.token_grants: list[str] = []
        self.tasks: dict[str, dict[str, Any]] = {}
        self.submissions: dict[str, str] = {}
        self.submitted: list[dict[str, Any]] = []
        self.faults: deque[tuple[str, int]] = deque()
        self.lock = threading.RLock()

    # --- faults -----------------------------------------------------------------------------

    def inject_fault(self, kind: str, times: int = 1) -> None:
        with self.lock:
            self.faults.append((kind, times))

    def _take(self, prefix: str) -> str | None:
        with self.lock:
            for index, (kind, times) in enumerate(self.faults):
                if kind.startswith(prefix):
                    if times <= 1:
                        del self.faults[index]
                    else:
                        self.faults[index] = (kind, times - 1)
                    return kind
        return None

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, 0.0)

    # --- auth -------------------------------------------------------------------------------

    def issue_token(self, form: Mapping[str, str], basic: tuple[str, str] | None) -> dict[str, Any]:
        grant = form.get("grant_type", "")
        client_id = basic[0] if basic else form.get("client_id", "")
        if basic and self.clients.get(basic[0]) != basic[1]:
            raise ApiError(401, "invalid_client", "client authentication failed")
        if grant == "client_credentials":
            if not basic:
                raise ApiError(401, "invalid_client", "client_credentials needs a confidential client")
        elif grant == "refresh_token":
            if self.refresh_tokens.get(form.get("refresh_token", "")) != client_id:
                raise ApiError(400, "invalid_grant", "unknown refresh token")
        else:
            raise ApiError(400, "unsupported_grant_type", f"grant_type {grant!r}")
        token = uuid.uuid4().hex
        with self.lock:
            self.tokens[token] = time.monotonic() + self.token_lifetime
            self.token_grants.append(grant)
        answer = {
            "access_token": token,
            "expires_in": int(self.token_lifetime),
            "resource_server": RESOURCE_SERVER,
            "token_type": "Bearer",
            "scope": SCOPE,
            "other_tokens": [],
        }
        if grant == "refresh_token":
            answer["refresh_token"] = form["refresh_token"]
        return answer

    def authorize(self, header: str | None) -> None:
        token = (header or "").removeprefix("Bearer ").strip()
        with self.lock:
            live = self.tokens.get(token, 0.0) > time.monotonic()
        if not live:
            raise ApiError(401, "AuthenticationFailed", "Token is not active")

    # --- transfer ---------------------------------------------------------------------------

    def _local(self, collection: str, path: str) -> Path:
        root = self.collections.get(collection)
        if root is None:
            raise ApiError(404, "EndpointNotFound", f"No such endpoint '{collection}'")
        relative = PurePosixPath(path)
        if ".." in relative.parts:
            raise ApiError(400, "ClientError.BadRequest", f"Invalid path '{path}'")
        return root.joinpath(*relative.parts[1:] if relative.is_absolute() else relative.parts)

    def submit(self, document: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        if document.get("DATA_TYPE") != "transfer" or not document.get("DATA"):
            raise ApiError(
                400, "ClientError.BadRequest.NoTransferItems", "A transfer requires at least one item"
            )
        submission = str(document.get("submission_id") or "")
        if not submission:
            raise ApiError(400, "ClientError.BadRequest", "submission_id is required")
        for side in ("source_endpoint", "destination_endpoint"):
            self._local(str(document.get(side)), "/")
        with self.lock:
            if submission in self.submissions:
                return 200, self._result("Duplicate", submission, self.submissions[submission])
            task_id = str(uuid.uuid4())
            self.submissions[submission] = task_id
            self.submitted.append(dict(document))
            task = self._new_task(task_id, document)
            self.tasks[task_id] = task
            if self._take("forget"):
                task["forgotten"] = True
        threading.Thread(
            target=self._run, args=(task, document), daemon=True, name=f"task-{task_id[:8]}"
        ).start()
        return 202, self._result("Accepted", submission, task_id)

    @staticmethod
    def _result(code: str, submission: str, task_id: str) -> dict[str, Any]:
        return {
            "DATA_TYPE": "transfer_result",
            "code": code,
            "message": "The transfer has been accepted and a task has been created and queued for execution",
            "request_id": uuid.uuid4().hex[:9],
            "resource": "/transfer",
            "submission_id": submission,
            "task_id": task_id,
            "task_link": {
                "DATA_TYPE": "link",
                "href": f"task/{task_id}?format=json",
                "rel": "related",
                "resource": "task",
                "title": "related task",
            },
        }

    @staticmethod
    def _new_task(task_id: str, document: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "DATA_TYPE": "task",
            "task_id": task_id,
            "type": "TRANSFER",
            "status": "ACTIVE",
            "label": document.get("label"),
            "source_endpoint_id": document["source_endpoint"],
            "destination_endpoint_id": document["destination_endpoint"],
            "request_time": _now(),
            "completion_time": None,
            "deadline": (datetime.now(UTC) + timedelta(days=1)).isoformat(timespec="seconds"),
            "sync_level": document.get("sync_level"),
            "verify_checksum": bool(document.get("verify_checksum")),
            "files": 0,
            "directories": 0,
            "files_transferred": 0,
            "files_skipped": 0,
            "bytes_transferred": 0,
            "bytes_checksummed": 0,
            "faults": 0,
            "fatal_error": None,
            "nice_status": "Queued",
            "is_ok": True,
            "is_paused": False,
            "history_deleted": False,
            "events": [],
            "successful": [],
        }

    def _event(self, task: dict, code: str, description: str, details: str = "", error: bool = True) -> None:
        task["events"].append(
            {
                "DATA_TYPE": "event",
                "code": code,
                "description": description,
                "details": details,
                "is_error": error,
                "time": _now(),
            }
        )

    def _files(self, document: Mapping[str, Any]) -> list[tuple[str, str, Path, Path]]:
        files = []
        for item in document["DATA"]:
            source = self._local(document["source_endpoint"], item["source_path"])
            destination = self._local(document["destination_endpoint"], item["destination_path"])
            if item.get("recursive"):
                if not source.is_dir():
                    raise FileNotFoundError(item["source_path"])
                for path in sorted(p for p in source.rglob("*") if p.is_file()):
                    inner = path.relative_to(source).as_posix()
                    files.append(
                        (
                            item["source_path"].rstrip("/") + "/" + inner,
                            item["destination_path"].rstrip("/") + "/" + inner,
                            path,
                            destination / inner,
                        )
                    )
            else:
                if not source.is_file():
                    raise FileNotFoundError(item["source_path"])
                files.append((item["source_path"], item["destination_path"], source, destination))
        return files

    @staticmethod
    def _in_sync(level: int | None, source: Path, destination: Path) -> bool:
        if level is None or not destination.is_file():
            return False
        if level == 0:
            return True
        if source.stat().st_size != destination.stat().st_size:
            return False
        if level == 1:
            return True
        if level == 2:
            return int(destination.stat().st_mtime) >= int(source.stat().st_mtime)
        return _checksum(source) == _checksum(destination)

    def _run(self, task: dict, document: Mapping[str, Any]) -> None:
        fail_after = self._take("fail_after")
        limit = int(fail_after.split("=", 1)[1]) if fail_after else None
        try:
            files = self._files(document)
        except FileNotFoundError as missing:
            return self._fail(task, "FILE_NOT_FOUND", f"No such file or directory: {missing}")
        with self.lock:
            task.update(files=len(files), nice_status="OK")
        self._event(task, "STARTED", "started", error=False)
        for done, (source_path, destination_path, source, destination) in enumerate(files):
            if limit is not None and done >= limit:
                return self._fail(task, "ENDPOINT_ERROR", "injected: the destination endpoint went away")
            time.sleep(self.file_delay)
            if self._in_sync(document.get("sync_level"), source, destination):
                with self.lock:
                    task["files_skipped"] += 1
                continue
            if not self._copy(task, document, source, destination, destination_path):
                return self._fail(
                    task,
                    "VERIFY_CHECKSUM",
                    f"checksum verification failed {CHECKSUM_TRIES} times: {destination_path}",
                )
            with self.lock:
                task["files_transferred"] += 1
                task["bytes_transferred"] += source.stat().st_size
                task["successful"].append(
                    {
                        "DATA_TYPE": "successful_transfer",
                        "source_path": source_path,
                        "destination_path": destination_path,
                    }
                )
        self._event(task, "SUCCEEDED", "succeeded", error=False)
        with self.lock:
            task.update(status="SUCCEEDED", completion_time=_now(), nice_status=None)

    def _copy(
        self, task: dict, document: Mapping[str, Any], source: Path, destination: Path, shown: str
    ) -> bool:
        for _ in range(CHECKSUM_TRIES):
            destination.parent.mkdir(parents=True, exist_ok=True)
            data = source.read_bytes()
            if self._take("checksum"):
                data = bytes([data[0] ^ 0xFF]) + data[1:] if data else b"\x00"
            destination.write_bytes(data)
            if not document.get("verify_checksum") or _checksum(source) == _checksum(destination):
                if document.get("verify_checksum"):
                    with self.lock:
                        task["bytes_checksummed"] += len(data)
                return True
            with self.lock:
                task["faults"] += 1
            self._event(
                task,
                "VERIFY_CHECKSUM",
                "checksum verification failed",
                f"Error (transfer)\nFile: {shown}\nMessage: source and destination checksums differ",
            )
        destination.unlink(missing_ok=True)
        return False

    def _fail(self, task: dict, code: str, description: str) -> None:
        self._event(task, code, description)
        with self.lock:
            task.update(
                status="FAILED",
                completion_time=_now(),
                fatal_error={"code": code, "description": description},
                nice_status=code,
                is_ok=False,
            )

    def task(self, task_id: str) -> dict[str, Any]:
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None or task.get("forgotten"):
                raise ApiError(404, "ClientError.NotFound", f"No task found with id '{task_id}'")
            return {k: v for k, v in task.items() if k not in ("events", "successful", "forgotten")}

    def successful(self, task_id: str, marker: int) -> dict[str, Any]:
        self.task(task_id)
        with self.lock:
            rows = list(self.tasks[task_id]["successful"])
        page = rows[marker : marker + PAGE_SIZE]
        following = marker + PAGE_SIZE if marker + PAGE_SIZE < len(rows) else None
        return {"DATA_TYPE": "successful_transfers", "marker": marker, "next_marker": following, "DATA": page}

    def events(self, task_id: str, offset: int, limit: int) -> dict[str, Any]:
        self.task(task_id)
        with self.lock:
            rows = list(reversed(self.tasks[task_id]["events"]))  # newest first, as Globus lists them
        page = rows[offset : offset + limit]
        return {
            "DATA_TYPE": "event_list",
            "DATA": page,
            "offset": offset,
            "limit": limit,
            "total": len(rows),
            "length": len(page),
        }


class _Handler(QuietHandler):
    def _answer(self, action) -> None:
        try:
            status, body = action()
        except ApiError as error:
            resource = urlsplit(self.path).path.removeprefix("/v0.10")
            body = {
                "code": error.code,
                "message": error.message,
                "request_id": uuid.uuid4().hex[:9],
                "resource": resource,
            }
            if self.path.startswith("/v2/oauth2"):
                body = {"error": error.code, "error_description": error.message}
            self.send(error.status, json.dumps(body).encode(), headers=[("x-transfer-api-error", error.code)])
            return
        self.send(status, json.dumps(body).encode())

    def _transfer_get(self):
        service: GlobusService = self.server.state
        service.authorize(self.headers.get("Authorization"))
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        parts = url.path.strip("/").split("/")
        if parts == ["v0.10", "submission_id"]:
            return 200, {"value": str(uuid.uuid4())}
        if len(parts) == 3 and parts[:2] == ["v0.10", "task"]:
            return 200, service.task(parts[2])
        if len(parts) == 4 and parts[:2] == ["v0.10", "task"] and parts[3] == "successful_transfers":
            return 200, service.successful(parts[2], int(query.get("marker") or 0))
        if len(parts) == 4 and parts[:2] == ["v0.10", "task"] and parts[3] == "event_list":
            return 200, service.events(parts[2], int(query.get("offset") or 0), int(query.get("limit") or 10))
        raise ApiError(404, "ClientError.NotFound", f"no resource {url.path}")

    def do_GET(self) -> None:
        self._answer(self._transfer_get)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _post(self):
        service: GlobusService = self.server.state
        path = urlsplit(self.path).path
        if path == "/v2/oauth2/token":
            form = {k: v[-1] for k, v in parse_qs(self._body().decode()).items()}
            basic = None
            authorization = self.headers.get("Authorization", "")
            if authorization.startswith("Basic "):
                client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
                basic = (client_id, secret)
            return 200, service.issue_token(form, basic)
        if path == "/v0.10/transfer":
            service.authorize(self.headers.get("Authorization"))
            try:
                document = json.loads(self._body())
            except ValueError:
                raise ApiError(400, "ClientError.BadRequest", "body is not JSON") from None
            return service.submit(document)
        raise ApiError(404, "ClientError.NotFound", f"no resource {path}")

    def do_POST(self) -> None:
        self._answer(self._post)


class GlobusServer(BackgroundServer):
    """The stand-in on a background thread. ``collections`` maps collection ids to folders."""

    name = "globus-server"

    def __init__(
        self,
        collections: Mapping[str, str | Path],
        *,
        clients: Mapping[str, str] = (),
        refresh_tokens: Mapping[str, str] = (),
        token_lifetime: float = 3600.0,
        file_delay: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
    ):
        self.service = GlobusService(
            collections, dict(clients), dict(refresh_tokens), token_lifetime, file_delay
        )
        super().__init__(_Handler, self.service, host=host, port=port, verbose=verbose)

    @property
    def transfer_url(self) -> str:
        return self.base_url + "/"

    @property
    def auth_url(self) -> str:
        return self.base_url + "/"
