"""manage.py register_instrument NAME --full-name ... --observatory ... --dimensions a,b"""

from django.core.management.base import BaseCommand, CommandError

from l2portal.ledger import services
from l2portal.ledger.refusals import Refused
from l2portal.registry import services as registry


class Command(BaseCommand):
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
        actor = services.Actor.system("manage.py register_instrument")
        try:
            instrument = registry.register_instrument(name, full_name, observatory, keys, actor, description)
        except Refused as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"{instrument.name}: {instrument.full_name}, data ids of {', '.join(instrument.dimensions)}"
        )
