"""Demo data for `make run`: role users, then each app's demo (its PortalApp.demo loader)."""

from l2portal.ledger.commands import PortalCommand
from l2portal.ledger.roles import FSSC, OPERATOR, SCIENTIST
from l2portal.portal.roles_setup import ensure_user
from l2portal.portal.site import demo_loaders

DEMO_USERS = (("operator", OPERATOR), ("scientist", SCIENTIST), ("fssc", FSSC))


class Command(PortalCommand):
    help = "Load demo users and data (idempotent). Users: operator, scientist (password = user name), fssc."

    def handle(self, **options):
        actor = self.actor
        for username, role in DEMO_USERS:
            _, token = ensure_user(username, role, None if role == FSSC else username)
            if token:
                self.stdout.write(f"FSSC API token: {token.key}")
        for config, loader in demo_loaders():
            self.stdout.write(f"demo: {config.verbose_name}")
            loader(actor, self.stdout)
        self.stdout.write(
            self.style.SUCCESS("Demo data loaded. Sign in as operator/operator or scientist/scientist.")
        )
