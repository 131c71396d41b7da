"""Downlinks as a use case: registered with their chunks, once."""

import pytest

from l2portal.ledger.refusals import NotPermitted
from l2portal.ledger.services import Actor
from pipelines import services
from pipelines.models import Chunk
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db


def test_a_downlink_is_registered_with_its_chunks_once():
    downlink = services.register_downlink(230401001, 4, SYSTEM)
    assert downlink.state == "chunked"
    assert list(downlink.chunks.values_list("number", "state")) == [(n, "pending") for n in range(1, 5)]
    assert downlink.transitions.get().reason == "split into 4 chunks"
    assert services.register_downlink(230401001, 4, SYSTEM) == downlink
    assert Chunk.objects.count() == 4 and downlink.transitions.count() == 1


def test_only_operators_register_downlinks(scientist):
    with pytest.raises(NotPermitted):
        services.register_downlink(230401001, 4, Actor.of_user(scientist))
