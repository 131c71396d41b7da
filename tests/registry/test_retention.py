"""Retention rules (the LSST Gen3 Butler notes: purge to keep the registry small): files go when the most
specific rule says so, rows and provenance stay; a dry run changes nothing; files are deleted only after
the purge is committed; a product an unfinished task reads is never purged."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from l2portal.ledger import services
from l2portal.ledger.execution import recording
from l2portal.ledger.models import Execution, LedgerEvent
from l2portal.portal.site import beat_schedule
from l2portal.registry import services as registry
from l2portal.registry.models import Product, RetentionRule
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db
Keep = RetentionRule.Keep
LATER = timezone.now() + timedelta(days=40)


def product(run_name, name, product_type, inputs=()):
    run = registry.get_run_collection(run_name)
    with recording(f"make {product_type}"):
        return registry.write_product(
            run,
            registry.product_path(run, f"{run_name}_{name}"),
            product_type,
            lambda t: t.write_text(name),
            inputs=inputs,
        )


def rule(name, **fields):
    return registry.save_retention_rule(RetentionRule(name=name, **fields), SYSTEM)


def status(item) -> str:
    item.refresh_from_db()
    return item.status


def test_staging_files_go_days_after_their_consumers_finish(data_root, django_capture_on_commit_callbacks):
    rule("staging", product_type="chunk_events", keep=Keep.AFTER_CONSUMERS, days=7)
    read = product("STAGING", "c1.evt", "chunk_events")
    unread = product("STAGING", "c2.evt", "chunk_events")
    product("FT1", "merged.fits", "merged_events", inputs=[read])
    assert registry.purge_plan(timezone.now())[0].count == 0  # read just now: not yet
    with django_capture_on_commit_callbacks(execute=True):
        plan = registry.purge_expired(SYSTEM, LATER)
    assert plan.by_reason == {"staging": [read.path]}
    assert (status(read), status(unread)) == ("purged", "present")
    assert not (data_root / read.path).exists() and (data_root / unread.path).exists()
    assert read.purge_reason == "staging" and read.produced_by is not None  # provenance stays


def test_unflagged_ft2_goes_days_after_its_flagged_version(data_root, django_capture_on_commit_callbacks):
    rule(
        "unflagged",
        product_type="ft2_1s_unflagged",
        keep=Keep.AFTER_SUCCESSOR,
        days=30,
        successor_type="ft2_1s",
    )
    flagged_from = product("P310", "r1_unflagged.fit", "ft2_1s_unflagged")
    waiting = product("P310", "r2_unflagged.fit", "ft2_1s_unflagged")
    product("P310", "r1.fit", "ft2_1s", inputs=[flagged_from])
    assert registry.purge_plan(timezone.now() + timedelta(days=29))[0].count == 0
    with django_capture_on_commit_callbacks(execute=True):
        registry.purge_expired(SYSTEM, LATER)
    assert (status(flagged_from), status(waiting)) == ("purged", "present")


def test_a_never_rule_protects_and_the_most_specific_rule_decides(operator, data_root):
    rule("old notes", product_type="notes", keep=Keep.AFTER_CREATED, days=10)
    rule(
        "keep P1 notes",
        product_type="notes",
        collection=registry.get_run_collection("P1"),
        keep=Keep.AFTER_CREATED,
        days=100,
    )
    rule("published", collection=registry.get_tagged_collection("published"), keep=Keep.FOREVER)
    p1 = product("P1", "a.txt", "notes")
    p2 = product("P2", "b.txt", "notes")
    kept = product("P2", "c.txt", "notes")
    registry.tag_products("published", [kept], services.Actor.of_user(operator))
    plan, _ = registry.purge_plan(LATER)
    assert plan.by_reason == {"old notes": [p2.path]}
    assert registry.purge_plan(timezone.now() + timedelta(days=101))[0].by_reason == {
        "keep P1 notes": [p1.path],
        "old notes": [p2.path],
    }


def test_a_dry_run_changes_nothing(data_root):
    rule("old notes", product_type="notes", keep=Keep.AFTER_CREATED, days=1)
    note = product("P1", "a.txt", "notes")
    events = LedgerEvent.objects.count()
    plan = registry.purge_expired(SYSTEM, LATER, dry_run=True)
    assert plan.lines() == ["old notes: P1/P1_a.txt"]
    assert status(note) == "present" and (data_root / note.path).exists()
    assert LedgerEvent.objects.count() == events


def test_files_are_deleted_only_after_the_purge_commits(data_root, django_capture_on_commit_callbacks):
    rule("old notes", product_type="notes", keep=Keep.AFTER_CREATED, days=1)
    note = product("P1", "a.txt", "notes")
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        registry.purge_expired(SYSTEM, LATER)
    assert status(note) == "purged" and (data_root / note.path).exists()  # marked; the file waits
    for callback in after_commit:
        callback()
    assert not (data_root / note.path).exists()


def test_a_purge_rolled_back_deletes_nothing(data_root, django_capture_on_commit_callbacks):
    rule("old notes", product_type="notes", keep=Keep.AFTER_CREATED, days=1)
    note = product("P1", "a.txt", "notes")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        registry.purge_expired(SYSTEM, LATER)
        raise RuntimeError("the database went away before the commit")
    assert status(note) == "present" and (data_root / note.path).exists()


def test_a_product_an_unfinished_task_reads_is_never_purged(data_root, django_capture_on_commit_callbacks):
    rule("old notes", product_type="notes", keep=Keep.AFTER_CREATED, days=1)
    read = product("P1", "a.txt", "notes")
    other = product("P1", "b.txt", "notes")
    running = Execution.objects.create(task_name="long merge")  # running: status and no finish
    running.inputs.add(read)
    with django_capture_on_commit_callbacks(execute=True):
        plan = registry.purge_expired(SYSTEM, LATER)
    assert plan.by_reason == {"old notes": [other.path]}
    assert status(read) == "present" and (data_root / read.path).exists()


def test_rules_are_checked_before_they_are_saved():
    with pytest.raises(registry.RetentionRuleRefused, match="name a product type, a collection or both"):
        rule("everything", keep=Keep.AFTER_CREATED, days=1)
    with pytest.raises(registry.RetentionRuleRefused, match="successor_type"):
        rule("no successor", product_type="ft2_1s_unflagged", keep=Keep.AFTER_SUCCESSOR, days=30)
    rule("notes", product_type="notes", keep=Keep.FOREVER)
    with pytest.raises(registry.RetentionRuleRefused, match="already covers this type and collection"):
        rule("notes again", product_type="notes", keep=Keep.AFTER_CREATED, days=3)
    assert list(RetentionRule.objects.values_list("name", flat=True)) == ["notes"]


def test_the_command_lists_or_purges_and_the_hourly_task_applies_the_rules(
    data_root, django_capture_on_commit_callbacks
):
    rule("old notes", product_type="notes", keep=Keep.AFTER_CREATED, days=0)
    note = product("P1", "a.txt", "notes")
    with pytest.raises(CommandError, match=r"--dry-run .* or --yes"):
        call_command("purge")
    out = io.StringIO()
    call_command("purge", "--dry-run", stdout=out)
    assert "would purge old notes: P1/P1_a.txt" in out.getvalue() and status(note) == "present"
    assert beat_schedule()["purge-expired-collections"]["task"] == "l2portal.registry.tasks.purge_expired"
    from l2portal.registry.tasks import purge_expired

    with django_capture_on_commit_callbacks(execute=True):
        assert purge_expired.delay().get() == {"old notes": 1}
    assert status(note) == Product.Status.PURGED and not (data_root / note.path).exists()
