"""What a person chose for themselves: the columns of each table they use (as NetBox keeps a
user's table configuration)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class TablePreference(models.Model):
    """The columns one user shows in one table (a PortalTable, by name), in the table's order."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    table = models.CharField(max_length=100)
    columns = models.JSONField(default=list)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Created under the ledger's Django app, whose migrations keep its history.
        app_label = "ledger"
        constraints = [models.UniqueConstraint(fields=["user", "table"], name="one_preference_per_table")]

    def __str__(self):
        return f"{self.user} · {self.table}: {', '.join(self.columns)}"
