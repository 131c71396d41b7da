"""The API tokens list."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from l2portal.portal.tables import PortalTable, TimeColumn


class ApiTokenTable(PortalTable):
    """API tokens by holder: when each expires and was last used, and its rotation."""

    caption = "API tokens"
    holder = tables.Column(verbose_name="Account", accessor="user__username")
    created = TimeColumn(verbose_name="Issued")
    expires_at = TimeColumn(verbose_name="Expires")
    status = tables.Column(verbose_name="Status", empty_values=(), orderable=False)
    last_used_at = TimeColumn(verbose_name="Last used")
    rotate = tables.Column(verbose_name="New key", empty_values=(), orderable=False, exclude_from_export=True)

    exempt_columns = ("holder", "rotate")

    class Meta(PortalTable.Meta):
        pass

    def render_status(self, record):
        return "expired" if record.expires_at <= timezone.now() else "valid"

    def value_status(self, record):
        return self.render_status(record)

    def render_rotate(self, record):
        return render_to_string(
            "components/action.html",
            {
                "url": reverse("accounts:token-rotate", args=[record.user.username]),
                "label": "Rotate",
                "confirm": f"Rotate the API token of {record.user.username}? "
                "Its current key stops working at once.",
            },
            request=self.request,
        )
