"""The site-wide change log: every transition of every tracked model and every ledger event, as
one read-only database view (installed after each migration by ledger.change_view), so the page,
its filters and the admin read one relation with the database doing the union."""

from django.db import models


class Change(models.Model):
    """A row of the ``ledger_change`` view: a transition (kind "transition") or a ledger event."""

    key = models.CharField(primary_key=True, max_length=200, help_text="t:<model>:<id> or e:<id>")
    kind = models.CharField(max_length=64)
    at = models.DateTimeField()
    subject_model = models.CharField(max_length=200, help_text="app_label.modelname, empty if none")
    subject_id = models.CharField(max_length=64)
    actor = models.CharField(max_length=255)
    from_state = models.CharField(max_length=32)
    to_state = models.CharField(max_length=32)
    message = models.TextField(help_text="the transition's reason or the event's message")

    class Meta:
        managed = False
        db_table = "ledger_change"
        ordering = ["-at", "-key"]
        verbose_name = "change"
        verbose_name_plural = "change log"

    def __str__(self):
        if self.kind == "transition":
            return f"{self.subject_model} {self.subject_id}: {self.from_state} -> {self.to_state}"
        return f"{self.kind}: {self.message}"
