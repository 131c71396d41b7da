"""The API against its own OpenAPI schema, as an outside client would test it (schemathesis): for
every operation a few generated requests, answered without a 5xx and as documented (status code,
content type, body schema). A longer run:

    SCHEMATHESIS_EXAMPLES=100 .venv/bin/pytest tests/test_api_conformance.py
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from l2portal.ledger.roles import OPERATOR
from tests.factories import one_of_each_tracked_model, user

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", 3))

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()


@pytest.fixture
def in_test_transaction():
    """Requests go through Django's WSGI handler, which closes the connection after each request:
    as Django's test client does, keep it (the test's transaction lives on it)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def operator_token(db, in_test_transaction):
    one_of_each_tracked_model()
    return Token.objects.get_or_create(user=user("conformance", OPERATOR))[0].key


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_operation_answers_as_documented(case, operator_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {operator_token}"},
        # Not checked: whether a well-formed request names an object that exists (data, not
        # schema), and whether "0" is refused where a string is expected (DRF reads it leniently).
        excluded_checks=[negative_data_rejection, positive_data_acceptance],
    )
