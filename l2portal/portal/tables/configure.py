"""Building a PortalTable for a request: the user's columns, the order asked for (with the primary
key last, so pages never share or skip a row), the page, and each tracked object's failure reason.

    table = portal_table(request, CampaignRunTable, filterset.qs)
    if table.wants_csv:
        return table.csv_response()
    return render(request, "pipelines/runs.html", {"table": table, ...})
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django_tables2.paginators import LazyPaginator

from l2portal.ledger.models import Tracked
from l2portal.portal.models import TablePreference

from ...ledger.selectors import with_failure_reasons
from .base import MAX_PER_PAGE, PortalTable


def chosen_columns(user, table_name: str) -> list[str] | None:
    if not user.is_authenticated:
        return None
    return (
        TablePreference.objects.filter(user=user, table=table_name).values_list("columns", flat=True).first()
    )


def _whole_number(text: str | None, default: int) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        return default


def _with_tie_breaker(queryset: QuerySet) -> QuerySet:
    ordering = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    pk = queryset.model._meta.pk.name
    if not ordering or {"pk", "-pk", pk, f"-{pk}"} & set(ordering):
        return queryset
    return queryset.order_by(*ordering, "-pk")


def portal_table(
    request,
    table_class: type[PortalTable],
    data,
    *,
    prefix: str = "",
    caption: str = "",
    paginate: bool = True,
    row_count: int | None = None,
    **kwargs,
) -> PortalTable:
    """``table_class`` over ``data`` (a queryset, or a list) as ``request`` asks for it; ``caption``
    names its rows where one page shows the same table twice; ``row_count``, how many rows ``data``
    holds when the page knows it already (from counts it shows anyway), spares the paginator its
    COUNT."""
    if isinstance(data, QuerySet) and issubclass(data.model, Tracked):
        data = with_failure_reasons(data)
    # Given the request, django-tables2 would paginate at once with a counting Paginator (a COUNT
    # of all rows even for a lazy table); the request is attached and read here instead.
    table = table_class(data, prefix=prefix, **kwargs)
    if row_count is not None:
        table.data._length = row_count  # the length django-tables2 caches for its paginator
    table.request = request
    if caption:
        table.caption = caption
    table.choose_columns(chosen_columns(request.user, table.name))
    order_by = [name for name in request.GET.getlist(table.prefixed_order_by_field) if name]
    if order_by:
        table.order_by = order_by
    if isinstance(table.data.data, QuerySet) and not table.data.data.query.is_sliced:
        table.data.data = _with_tie_breaker(table.data.data)
    if paginate:
        per_page = _whole_number(request.GET.get(table.prefixed_per_page_field), table._meta.per_page)
        paginator = LazyPaginator if table.lazy_pagination else Paginator
        page = _whole_number(request.GET.get(table.prefixed_page_field), 1)
        try:
            table.paginate(paginator, per_page=min(max(per_page, 1), MAX_PER_PAGE), page=page)
        except (EmptyPage, PageNotAnInteger):
            table.paginate(paginator, per_page=min(max(per_page, 1), MAX_PER_PAGE), page=1)
    return table
