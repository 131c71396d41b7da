"""The registry's pages: collections, products, search, runs and their logs, the change log."""

from .changes import change_log
from .executions import execution_detail, execution_list, execution_log_file, execution_log_since
from .registry import collection_detail, collection_list, product_detail, product_download, search

__all__ = [
    "change_log",
    "collection_detail",
    "collection_list",
    "execution_detail",
    "execution_list",
    "execution_log_file",
    "execution_log_since",
    "product_detail",
    "product_download",
    "search",
]
