"""Who signed in through which identity provider, and the lease of each API token (its expiry and
last use). The token's key stays DRF's ``authtoken.Token``: clients keep sending
``Authorization: Token <key>``."""

from django.conf import settings
from django.db import models


class SignInIdentity(models.Model):
    """A person at an identity provider (issuer + ``sub``, the one stable claim) and the portal
    account it signs in as. A local account is never taken over by a matching name or e-mail."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    email = models.CharField(max_length=254, blank=True)
    last_sign_in = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="one_account_per_identity")]

    def __str__(self):
        return f"{self.subject} at {self.issuer}"


class TokenLease(models.Model):
    """An API token's expiry and last use; a rotated token is a new key with a new lease."""

    token = models.OneToOneField("authtoken.Token", on_delete=models.CASCADE, related_name="lease")
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"token of {self.token.user} until {self.expires_at:%Y-%m-%d}"
