"""Every API list is paged the same way: ``page`` and ``page_size`` (50 unless asked, at most
``MAX_PAGE_SIZE``, the bound pages' tables keep too: a larger size is answered with that many rows,
never an unbounded page)."""

from rest_framework.pagination import PageNumberPagination

from ..tables.base import MAX_PER_PAGE, PER_PAGE


class PortalPagination(PageNumberPagination):
    page_size = PER_PAGE
    page_size_query_param = "page_size"
    max_page_size = MAX_PER_PAGE

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"rows per page: {self.page_size} unless asked, at most {self.max_page_size} "
                    "(a larger size answers that many)"
                )
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters
