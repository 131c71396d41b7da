"""What a serving process (web or worker) checks before it starts: with DEBUG off it serves real
users, so it refuses the development secret key and the default host list."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_production_settings() -> None:
    if settings.DEBUG:
        return
    problems = []
    if not os.environ.get("DJANGO_SECRET_KEY") or settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        problems.append(
            "set DJANGO_SECRET_KEY to a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    if not os.environ.get("DJANGO_ALLOWED_HOSTS"):
        problems.append("set DJANGO_ALLOWED_HOSTS to the host names the portal answers to")
    if problems:
        raise ImproperlyConfigured(
            "DEBUG is off, so this serves real users: "
            + "; ".join(problems)
            + " (or DJANGO_DEBUG=true to develop)"
        )
