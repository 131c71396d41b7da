"""How apps read their own settings: Django settings first, then the environment, then a default.
Each app lists its settings, with defaults and meaning, in its conf.py."""

import os
from typing import Any

from django.conf import settings


def setting(name: str, default: Any = None) -> Any:
    return getattr(settings, name, os.environ.get(name, default))
