"""Downloads with HTTP ranges: a Range header the portal does not serve (too long, numbers of
thousands of digits) is ignored as RFC 9110 allows, the whole file sent, never an error."""

import pytest

from l2portal.portal.downloads import parse_range
from l2portal.registry import services as registry


@pytest.mark.parametrize(
    "header", ["bytes=" + "9" * 5000 + "-", "bytes=-" + "1" * 5000, "bytes=0-" + "1" * 20, "bytes=0-1," * 20]
)
def test_a_range_of_absurd_length_is_ignored(header):
    assert parse_range(header, 100) is None


@pytest.mark.django_db
def test_a_download_asked_with_a_huge_range_sends_the_whole_file(client, operator):
    run = registry.get_run_collection("P310")
    product = registry.write_product(
        run, registry.product_path(run, "P310_notes.txt"), "notes", lambda tmp: tmp.write_text("notes")
    )
    client.force_login(operator)
    response = client.get(f"/registry/products/{product.pk}/download", HTTP_RANGE="bytes=" + "9" * 5000 + "-")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"notes"
