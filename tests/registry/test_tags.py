"""TAGGED collections: products join and leave at any time; every change is kept, append-only."""

import pytest
from django.db import connection

from l2portal.ledger import services
from l2portal.ledger.models import AppendOnlyError, LedgerEvent
from l2portal.ledger.refusals import NotPermitted
from l2portal.registry import services as registry
from l2portal.registry.models import Collection, TagChange

pytestmark = pytest.mark.django_db


def frames(count: int, instrument: str | None = "VISP"):
    run = registry.get_run_collection("L2")
    return [
        registry.write_product(
            run,
            registry.product_path(run, f"L2_frame_{n}.fits"),
            "level2_frame",
            lambda tmp, n=n: tmp.write_text(f"frame {n}"),
            instrument=instrument,
            data_id={"proposal": "pid_1_1", "dataset": f"DS{n}"} if instrument else None,
        )
        for n in range(count)
    ]


def test_products_join_and_leave_and_every_change_is_kept(operator, data_root):
    actor = services.Actor.of_user(operator)
    first, second, third = frames(3)
    assert registry.tag_products("fssc/2019-07-01", [first, second], actor, "delivered") == 2
    assert (
        registry.tag_products("fssc/2019-07-01", [second, third], actor, "second batch") == 1
    )  # second stays
    assert registry.untag_products("fssc/2019-07-01", [first], actor, "withdrawn") == 1
    assert registry.untag_products("fssc/2019-07-01", [first], actor) == 0  # not in it: nothing recorded
    tag = Collection.objects.get(name="fssc/2019-07-01")
    assert tag.kind == Collection.Kind.TAGGED
    assert set(tag.memberships.values_list("product_id", flat=True)) == {second.pk, third.pk}
    history = list(tag.tag_changes.order_by("id").values_list("product_id", "action", "actor", "reason"))
    assert history == [
        (first.pk, "added", "operator", "delivered"),
        (second.pk, "added", "operator", "delivered"),
        (third.pk, "added", "operator", "second batch"),
        (first.pk, "removed", "operator", "withdrawn"),
    ]
    assert all(change.site == "local" and change.uuid for change in tag.tag_changes.all())


def test_tag_history_is_append_only(operator, data_root):
    registry.tag_products("inversion/17", frames(1), services.Actor.of_user(operator))
    change = TagChange.objects.get()
    change.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        change.save()
    with pytest.raises(AppendOnlyError):
        change.delete()


@pytest.mark.postgres
def test_the_database_refuses_to_rewrite_tag_history(operator, data_root):
    registry.tag_products("inversion/17", frames(1), services.Actor.of_user(operator))
    with pytest.raises(Exception, match=r"append_only|Cannot"), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_tagchange SET reason = 'rewritten'")


def test_a_tag_holds_one_product_per_type_and_data_id(operator, data_root):
    actor = services.Actor.of_user(operator)

    def dataset_d1(run_name):  # the same dataset, published by two runs
        run = registry.get_run_collection(run_name)
        return registry.write_product(
            run,
            f"{run_name}/{run_name}_a.fits",
            "level2_frame",
            lambda t: t.write_text(run_name),
            instrument="VISP",
            data_id={"dataset": "D1"},
        )

    old, new = dataset_d1("P2"), dataset_d1("P3")
    registry.tag_products("published", [old], actor)
    with pytest.raises(
        registry.TagConflict, match=r"already holds P2/P2_a.fits .* take it out before adding P3/P3_a.fits"
    ):
        registry.tag_products("published", [new], actor)
    with pytest.raises(registry.TagConflict, match="are both level2_frame"):
        registry.tag_products("other", [old, new], actor)
    assert list(
        Collection.objects.get(name="published").memberships.values_list("product_id", flat=True)
    ) == [old.pk]
    assert not Collection.objects.get(name="other").memberships.exists()
    assert LedgerEvent.objects.filter(kind="tag_conflict").count() == 2
    registry.untag_products("published", [old], actor)
    assert registry.tag_products("published", [new], actor) == 1  # a replacement goes in once the old is out


def test_products_without_a_data_id_share_a_tag(operator, data_root):
    assert registry.tag_products("notes", frames(3, instrument=None), services.Actor.of_user(operator)) == 3


def test_scientists_do_not_tag(scientist, data_root):
    with pytest.raises(NotPermitted, match="only operators may tag products into fssc"):
        registry.tag_products("fssc", frames(1), services.Actor.of_user(scientist))
    assert not TagChange.objects.exists()
