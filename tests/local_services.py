"""What `make test` runs on: DATABASE_URL / CELERY_BROKER_URL when set; else PostgreSQL and Redis
where they answer on their default local ports (the run says so); else SQLite and no broker, the
tests that need them skipped with the reason. L2PORTAL_TEST_SERVICES=none never looks (CI's
no-services pass). Prints the shell lines `make test` evaluates; what it chose goes to stderr."""

from __future__ import annotations

import os
import socket
import sys

LOCAL_DATABASE = "postgres://postgres@127.0.0.1:5432/l2portal"
# Not db 0: the tests empty their broker's queues, and a local `make run` may use db 0.
LOCAL_BROKER = "redis://127.0.0.1:6379/15"
TIMEOUT = 1.0


def postgres_answers(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def redis_answers(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def choose(environ=os.environ) -> tuple[dict[str, str], list[str]]:
    """The variables to set and one line per choice saying why."""
    chosen, said = {}, []
    if environ.get("L2PORTAL_TEST_SERVICES") == "none":
        return chosen, ["L2PORTAL_TEST_SERVICES=none: SQLite, no broker, no local services looked for"]
    if environ.get("DATABASE_URL"):
        said.append("database: DATABASE_URL as set")
    elif postgres_answers(LOCAL_DATABASE):
        chosen["DATABASE_URL"] = LOCAL_DATABASE
        said.append(f"database: DATABASE_URL unset; PostgreSQL answers locally, using {LOCAL_DATABASE}")
    else:
        said.append("database: DATABASE_URL unset and no local PostgreSQL answers: SQLite")
    if environ.get("CELERY_BROKER_URL"):
        said.append("broker: CELERY_BROKER_URL as set")
    elif redis_answers():
        chosen["CELERY_BROKER_URL"] = LOCAL_BROKER
        said.append(f"broker: CELERY_BROKER_URL unset; Redis answers locally, using {LOCAL_BROKER}")
    else:
        said.append("broker: CELERY_BROKER_URL unset and no local Redis answers: tests with a worker skip")
    return chosen, said


def main() -> None:
    chosen, said = choose()
    for line in said:
        print(f"make test: {line}", file=sys.stderr)
    for name, value in chosen.items():
        print(f"export {name}={value}")


if __name__ == "__main__":
    main()
