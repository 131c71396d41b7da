"""manage.py define_chain NAME CHILD [CHILD ...]"""

from django.core.management.base import BaseCommand, CommandError

from l2portal.ledger import services
from l2portal.ledger.refusals import Refused
from l2portal.registry import services as registry


class Command(BaseCommand):
    help = (
        "Define a CHAINED collection as a search path of existing collections, searched in the order "
        "given (e.g. define_chain FT2/current P310 P202); a chain that would contain itself is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("children", nargs="+")
        parser.add_argument("--description", default="")

    def handle(self, name, children, description, **options):
        try:
            chain = registry.set_chain(
                name, children, services.Actor.system("manage.py define_chain"), description
            )
        except Refused as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"{chain.name} = {' -> '.join(c.name for c in registry.resolve(chain))}")
