"""Why a request got no answer, said in words (l2portal.unreachable), tried against real sockets:
a port nothing listens on, a name that cannot resolve, a server that never answers."""

import socket

import pytest
import requests

from l2portal.unreachable import why_unreachable
from tests.conftest import free_port


def reason_for(url: str, timeout: float = 2.0) -> str:
    with pytest.raises(requests.RequestException) as raised:
        requests.get(url, timeout=timeout)
    return why_unreachable(raised.value)


def test_a_port_nothing_listens_on_is_a_refused_connection():
    said = reason_for(f"http://127.0.0.1:{free_port()}/graphql")
    assert said.startswith("the connection was refused") and "HTTPConnectionPool" not in said


def test_a_name_that_does_not_resolve_says_so():
    assert reason_for("http://no-such-host.invalid/").startswith("its host name does not resolve")


def test_a_server_that_never_answers_is_a_timeout():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        said = reason_for(f"http://127.0.0.1:{server.getsockname()[1]}/", timeout=0.5)
    assert said == "it took the connection but did not answer in time"


def test_not_an_address_at_all():
    assert reason_for("no address") == "the address is not a valid URL"
