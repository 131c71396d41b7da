"""The restore list as a PortalTable: each restore linked to its page, its state (with why it
failed), the archive's answer, who asked, when, and how far it got."""

from __future__ import annotations

import django_tables2 as tables

from l2portal.portal.tables import LongTextColumn, ObjectColumn, PortalTable, StateColumn, TimeColumn


class RestoreTable(PortalTable):
    """MOUS restores, newest first."""

    caption = "Restores"
    number = ObjectColumn(verbose_name="#", accessor="pk")
    mous_uid = ObjectColumn(verbose_name="MOUS")
    state = StateColumn()
    restorable = tables.Column(verbose_name="Can we restore?")
    requested_by = tables.Column(
        verbose_name="Requested by", accessor="requested_by__username", empty_values=()
    )
    created_at = TimeColumn(verbose_name="Requested")
    progress_note = LongTextColumn(verbose_name="Progress")

    exempt_columns = ("number",)

    class Meta(PortalTable.Meta):
        attrs = {"class": "portal-table restores"}  # the app's stylesheet and pages find it by its class
        empty_text = "No restore requested yet."

    def render_restorable(self, value):
        return "yes" if value else "no"  # None (not answered yet) shows the table's "—"

    value_restorable = render_restorable

    def render_requested_by(self, value):
        return value or "system"  # the portal asked (the demo, a command)

    value_requested_by = render_requested_by
