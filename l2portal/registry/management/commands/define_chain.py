"""manage.py define_chain NAME CHILD [CHILD ...]"""

from l2portal.ledger.commands import PortalCommand
from l2portal.registry import services as registry


class Command(PortalCommand):
    help = (
        "Define a CHAINED collection as a search path of existing collections, searched in the order "
        "given (e.g. define_chain FT2/current P310 P202); a chain that would contain itself is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("children", nargs="+")
        parser.add_argument("--description", default="")

    def handle(self, name, children, description, **options):
        chain = registry.set_chain(name, children, self.actor, description)
        self.stdout.write(f"{chain.name} = {' -> '.join(c.name for c in registry.resolve(chain))}")
