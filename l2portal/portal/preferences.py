"""A person's choice of columns for a table, kept for them across visits (NetBox's table
configuration): a column the table does not have, or none at all, is refused and nothing changes."""

from __future__ import annotations

from django.utils import timezone

from l2portal.portal.models import TablePreference

from ..ledger.refusals import InvalidRequest
from ..ledger.services.actors import Actor
from ..ledger.services.refusing import refuse
from .tables import PortalTable, table_named


class TableRefused(InvalidRequest):
    code = "table_columns_refused"


def _table(actor: Actor, table_name: str) -> type[PortalTable]:
    if not actor.is_person:
        refuse(TableRefused("only a person chooses the columns of a table"), actor)
    table = table_named(table_name)
    if table is None:
        refuse(
            TableRefused(f"there is no table named {table_name!r}; reload the page and choose again"), actor
        )
    return table


def choose_table_columns(actor: Actor, table_name: str, columns: list[str]) -> TablePreference:
    """Show ``columns`` (and the table's always-shown ones) in ``table_name`` for ``actor`` from
    now on, in the table's own order."""
    table = _table(actor, table_name)
    known = list(table.base_columns)
    unknown = sorted(set(columns) - set(known))
    if unknown:
        refuse(
            TableRefused(
                f"the table has no column {', '.join(map(repr, unknown))}; choose among {', '.join(known)}",
                details={"unknown": unknown},
            ),
            actor,
        )
    chosen = [name for name in known if name in columns and name not in table.exempt_columns]
    if not chosen:
        refuse(TableRefused("choose at least one column to show, or go back to the default columns"), actor)
    preference, _ = TablePreference.objects.update_or_create(
        user=actor.user, table=table_name, defaults={"columns": chosen, "updated_at": timezone.now()}
    )
    return preference


def reset_table_columns(actor: Actor, table_name: str) -> None:
    """Back to the table's default columns."""
    _table(actor, table_name)
    TablePreference.objects.filter(user=actor.user, table=table_name).delete()
