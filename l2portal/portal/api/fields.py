"""Serializer fields that read a request as its schema says: DRF's BooleanField also takes 1, "1",
"yes" and "on", which the published schema calls invalid."""

from rest_framework import serializers


class TrueOrFalseField(serializers.BooleanField):
    """JSON true or false (a form's "true" or "false"); anything else is a 400."""

    TRUE_VALUES = {True, "true"}
    FALSE_VALUES = {False, "false"}
    NULL_VALUES = {None}
    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        # 1 == True and hash(1) == hash(True): a set lookup alone would take 1 and 0.
        if isinstance(data, bool) or data in ("true", "false"):
            return super().to_internal_value(data)
        self.fail("invalid", input=data)
