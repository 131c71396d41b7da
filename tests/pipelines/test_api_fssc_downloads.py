"""Downloads over a real HTTP server: authentication and range requests (RFC 9110)."""

import pytest
import requests
from rest_framework.authtoken.models import Token

from l2portal.portal.downloads import Unsatisfiable, parse_range
from l2portal.registry.services import absolute_path
from pipelines import services
from pipelines.models import FsscDelivery
from tests.factories import SYSTEM

from .conftest import RUNS, SPAN, make_campaign


@pytest.fixture
def offered_file(db):
    services.generate_demo_magic7(RUNS[:1], SPAN, SYSTEM)
    services.start_campaign(make_campaign(runs=RUNS[:1]), SYSTEM)  # autocommit: tasks run at once
    delivery = FsscDelivery.objects.get(product__product_type="ft2_30s")
    return delivery, absolute_path(delivery.product).read_bytes()


def token_of(user):
    return {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}


@pytest.mark.django_db(transaction=True)
def test_range_requests_over_http(live_server, offered_file, fssc, scientist):
    delivery, content = offered_file
    url = f"{live_server.url}/api/fssc/products/{delivery.pk}/download/"
    fssc = token_of(fssc)

    whole = requests.get(url, headers=fssc, timeout=30)
    assert whole.status_code == 200 and whole.content == content
    assert whole.headers["Accept-Ranges"] == "bytes" and whole.headers["Content-Length"] == str(len(content))
    assert delivery.product.filename in whole.headers["Content-Disposition"]

    part = requests.get(url, headers={**fssc, "Range": "bytes=2880-5759"}, timeout=30)
    assert part.status_code == 206 and part.content == content[2880:5760]
    assert part.headers["Content-Range"] == f"bytes 2880-5759/{len(content)}"

    tail = requests.get(
        url, headers={**fssc, "Range": "bytes=-100", "Accept": "application/fits"}, timeout=30
    )
    assert tail.status_code == 206 and tail.content == content[-100:]

    beyond = requests.get(url, headers={**fssc, "Range": f"bytes={len(content)}-"}, timeout=30)
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{len(content)}"

    assert requests.get(url, timeout=30).status_code == 401
    assert requests.get(url, headers=token_of(scientist), timeout=30).status_code == 403


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", None),
        ("bytes=0-9", (0, 9)),
        ("bytes=10-", (10, 99)),
        ("bytes=-10", (90, 99)),
        ("bytes=90-500", (90, 99)),
        ("bytes=0-1,5-6", None),  # several ranges: the whole file is allowed
        ("items=0-1", None),
    ],
)
def test_parse_range(header, expected):
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=-0"])
def test_unsatisfiable_ranges(header):
    with pytest.raises(Unsatisfiable):
        parse_range(header, 100)
