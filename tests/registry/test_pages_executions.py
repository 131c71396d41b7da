"""Runs' pages: the list (filtered, sorted, exported as CSV), one run's page with its subject, the
files it read and wrote as product links, its software, host and whole log; the log's live tail
gives only what was written since; the whole log downloads. Query counts do not grow with data."""

import csv
import io
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from l2portal.ledger.execution import recording
from l2portal.registry import services as registry
from tests.factories import program
from tests.registry.pages_data import failed_run, runs

pytestmark = pytest.mark.django_db


def _csv(response) -> list[dict]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_a_run_page_shows_its_subject_files_software_host_and_whole_log(client, operator):
    ((subject, run),) = runs(1)
    client.force_login(operator)
    page = client.get(f"/registry/executions/{run.pk}/").content.decode()
    assert f'href="/programs/{subject.pk}/"' in page
    for product in run.outputs.all() | run.inputs.all():
        assert f'href="/registry/products/{product.pk}/"' in page
        assert f'href="/registry/products/{product.pk}/download"' in page
    assert run.host in page and "django" in page  # host, software versions
    assert "qualifying eid_op_0" in page.split('id="log-text"')[1]
    whole = client.get(f"/registry/executions/{run.pk}/log.txt")
    assert b"qualifying eid_op_0" in b"".join(whole.streaming_content)


def test_a_failed_run_page_puts_the_failure_and_retry_of_its_subject_first(client, operator):
    subject, run = failed_run()
    client.force_login(operator)
    page = client.get(f"/registry/executions/{run.pk}/").content.decode()
    assert page.index("no wavelength axis in the level 1 headers") < page.index('id="log-text"')
    assert f"/registry/objects/programs.observingprogram/{subject.pk}/retry/" in page
    assert "the wavelength axis is missing" in page


def test_the_live_tail_gives_only_the_lines_written_since(client, operator):
    subject = program("eid_live")
    client.force_login(operator)
    logger = logging.getLogger("tests.registry.live")
    with recording("l2portal.programs.tasks.qualify", subject=subject) as run:
        logger.info("first line")
        page = client.get(f"/registry/executions/{run.pk}/")
        offset = page.context["log"]["offset"]
        assert "first line" in page.context["log"]["text"] and 'id="log-follow"' in page.content.decode()
        logger.info("second line")
        more = client.get(f"/registry/executions/{run.pk}/log/", {"after": offset})
        text = more.content.decode()
        assert "second line" in text and "first line" not in text
        assert more.status_code == 200 and "HX-Refresh" not in more
        nothing_new = client.get(f"/registry/executions/{run.pk}/log/", {"after": more.context["offset"]})
        assert nothing_new.context["text"] == ""
    ended = client.get(f"/registry/executions/{run.pk}/log/", {"after": more.context["offset"]})
    assert ended["HX-Refresh"] == "true"  # the run is over: the page shows how it ended


def test_the_runs_list_filters_by_status_and_exports_that_filter(client, operator):
    runs(3)
    failed_run()
    client.force_login(operator)
    page = client.get("/registry/executions/", {"status": "failed"})
    assert [row.record.status for row in page.context["table"].page.object_list] == ["failed"]
    rows = _csv(client.get("/registry/executions/", {"status": "failed", "export": "csv"}))
    assert len(rows) == 1 and rows[0]["Status"].startswith("Failed: no wavelength axis")
    assert len(_csv(client.get("/registry/executions/", {"export": "csv"}))) == 4
    refused = client.get("/registry/executions/", {"status": "sideways"})
    assert refused.status_code == 200 and not refused.context["table"].page.object_list


def test_the_runs_list_sorts_by_a_header(client, operator):
    runs(3)
    client.force_login(operator)
    ascending = client.get("/registry/executions/", {"sort": "started_at"}).context["table"]
    started = [row.record.started_at for row in ascending.page.object_list]
    assert started == sorted(started)
    descending = client.get("/registry/executions/", {"sort": "-started_at"}).context["table"]
    assert [row.record.started_at for row in descending.page.object_list] == sorted(started, reverse=True)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/", "/registry/executions/", "/registry/changes/"])
def test_list_query_counts_do_not_grow_with_the_data(client, operator, url, django_assert_num_queries):
    client.force_login(operator)
    runs(2, "a")
    failed_run("eid_f1")
    small = _queries(client, url)
    runs(12, "b")
    failed_run("eid_f2")
    with django_assert_num_queries(small):
        assert client.get(url).status_code == 200


def test_a_run_page_query_count_does_not_grow_with_its_files(client, operator, django_assert_num_queries):
    client.force_login(operator)
    pages = []
    for count in (2, 12):
        subject = program(f"eid_files_{count}")
        collection = registry.get_run_collection(f"F{count}")
        inputs = [
            registry.write_product(
                collection, f"F{count}/F{count}_m7_{n}.txt", "magic7", lambda t: t.write_text("m7")
            )
            for n in range(count)
        ]
        with recording("l2portal.programs.tasks.qualify", subject=subject, inputs=inputs) as run:
            logging.getLogger("tests").info("read %d files", count)
        pages.append(f"/registry/executions/{run.pk}/")
    small = _queries(client, pages[0])
    with django_assert_num_queries(small):
        assert client.get(pages[1]).status_code == 200
