"""The ledger's pages: the registry (collections, products, search), runs and their logs, the
change log, any tracked object's retry and live part, and people's choice of table columns."""

from .changes import change_log
from .executions import execution_detail, execution_list, execution_log_file, execution_log_since
from .objects import object_live, object_retry
from .registry import collection_detail, collection_list, product_detail, product_download, search
from .tables import choose_columns

__all__ = [
    "change_log",
    "choose_columns",
    "collection_detail",
    "collection_list",
    "execution_detail",
    "execution_list",
    "execution_log_file",
    "execution_log_since",
    "object_live",
    "object_retry",
    "product_detail",
    "product_download",
    "search",
]
