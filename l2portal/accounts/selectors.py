"""Read models of sign-in and API tokens."""

from django.db.models import DateTimeField, ExpressionWrapper, F, Value
from django.db.models.functions import Coalesce
from rest_framework.authtoken.models import Token

from . import conf


def token_rows():
    """Every API token with its holder, expiry (a token without a lease lives the configured
    lifetime from its creation) and last use; one query. The page shows no key (the row's primary key
    is read, as every row's is)."""
    default_expiry = ExpressionWrapper(
        F("created") + Value(conf.token_lifetime()), output_field=DateTimeField()
    )
    return (
        Token.objects.select_related("user")
        .annotate(
            expires_at=Coalesce("lease__expires_at", default_expiry, output_field=DateTimeField()),
            last_used_at=F("lease__last_used_at"),
        )
        .order_by("user__username")
    )
