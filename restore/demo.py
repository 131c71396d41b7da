"""Demo data for the restore app (called by `manage.py load_demo`)."""

from .models import RestoreRequest


def load_demo(actor, stdout) -> None:
    RestoreRequest.objects.get_or_create(mous_uid="uid://A001/X12a3/X80e")
