from l2portal.ledger.commands import PortalCommand
from l2portal.portal.roles_setup import ensure_user
from l2portal.portal.site import roles


class Command(PortalCommand):
    help = "Create or update a user in one role (scientist, operator, fssc, ...); prints an FSSC API token."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=roles())
        parser.add_argument("--password", help="omit for an API-only account (e.g. the FSSC)")

    def handle(self, username, role, password, **options):
        user, token = ensure_user(username, role, password)
        self.stdout.write(f"{user.username}: role {role}")
        if token:
            self.stdout.write(f"API token: {token.key}  (send it as 'Authorization: Token <key>')")
