"""A new API token for an account (the FSSC's); the old key stops working at once."""

from l2portal.ledger.commands import PortalCommand

from ...services import rotate_token


class Command(PortalCommand):
    help = "Rotate an account's API token: print the new key, valid --days (default L2PORTAL_API_TOKEN_DAYS)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=float, help="lifetime of the new token in days")

    def handle(self, username, days, **options):
        token = rotate_token(username, self.actor, days=days)
        self.stdout.write(
            f"API token of {username}: {token.key}  "
            f"(valid until {token.lease.expires_at:%Y-%m-%d %H:%M} UTC; "
            "send it as 'Authorization: Token <key>')"
        )
