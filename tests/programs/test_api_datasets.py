"""The datasets API."""

import pytest

from tests.programs.conftest import assert_queries_do_not_grow_with_programs

pytestmark = pytest.mark.django_db


def test_query_count_does_not_grow_with_programs(client, scientist):
    assert_queries_do_not_grow_with_programs(client, scientist, "/api/datasets/")
