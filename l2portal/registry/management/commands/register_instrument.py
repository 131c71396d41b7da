"""manage.py register_instrument NAME --full-name ... --observatory ... --dimensions a,b"""

from l2portal.ledger.commands import PortalCommand
from l2portal.registry import services as registry


class Command(PortalCommand):
    help = (
        "Register an instrument once; ingests then name it by its short name only. Its dimensions "
        "(the keys of its data ids) never change."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="short name used at ingest, e.g. XRT")
        parser.add_argument("--full-name", required=True)
        parser.add_argument("--observatory", required=True)
        parser.add_argument("--dimensions", required=True, help="comma separated, in order, e.g. obsid")
        parser.add_argument("--description", default="")

    def handle(self, name, full_name, observatory, dimensions, description, **options):
        keys = [key.strip() for key in dimensions.split(",") if key.strip()]
        actor = self.actor
        instrument = registry.register_instrument(name, full_name, observatory, keys, actor, description)
        self.stdout.write(
            f"{instrument.name}: {instrument.full_name}, data ids of {', '.join(instrument.dimensions)}"
        )
