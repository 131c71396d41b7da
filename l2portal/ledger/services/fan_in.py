"""Waiting for N parts (the chunks of a downlink, the runs of a campaign pass): a row in the
database counted once per part and fired once, never a Celery chord."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import FanIn, FanInPart
from .enqueue import enqueue


def fan_in_open(key: str, expected: int, continuation: str, **continuation_kwargs) -> FanIn:
    fan_in, _ = FanIn.objects.get_or_create(
        key=key,
        defaults={
            "expected": expected,
            "continuation": continuation,
            "continuation_kwargs": continuation_kwargs,
        },
    )
    return fan_in


def fan_in_part_done(key: str, part: str) -> bool:
    """Count ``part`` of ``key`` as done (once, however often it is reported); when the last
    expected part arrives, enqueue the continuation. Returns True only for the call that fired."""
    with transaction.atomic():
        fan_in = FanIn.objects.select_for_update().get(key=key)
        try:
            with transaction.atomic():
                FanInPart.objects.create(fan_in=fan_in, part=part)
        except IntegrityError:
            pass  # a redelivered part: already counted
        if fan_in.fired_at is not None or fan_in.parts.count() < fan_in.expected:
            return False
        fan_in.fired_at = timezone.now()
        fan_in.save(update_fields=["fired_at"])
        enqueue(fan_in.continuation, **fan_in.continuation_kwargs)
        return True
