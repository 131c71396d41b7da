"""The site's pages for any tracked object (its retry and live part) and people's choice of table
columns."""

from .objects import object_live, object_retry
from .tables import choose_columns

__all__ = ["choose_columns", "object_live", "object_retry"]
