"""Demo data for `make run`: role users, then each app's demo (its `<app>.demo.load_demo`)."""

import importlib
import importlib.util

from django.apps import apps
from django.core.management.base import BaseCommand

from l2portal.ledger import services
from l2portal.ledger.roles_setup import ensure_user
from l2portal.roles import FSSC, OPERATOR, SCIENTIST

DEMO_USERS = (("operator", OPERATOR), ("scientist", SCIENTIST), ("fssc", FSSC))


class Command(BaseCommand):
    help = "Load demo users and data (idempotent). Users: operator, scientist (password = user name), fssc."

    def handle(self, **options):
        actor = services.Actor.system("demo data")
        for username, role in DEMO_USERS:
            _, token = ensure_user(username, role, None if role == FSSC else username)
            if token:
                self.stdout.write(f"FSSC API token: {token.key}")
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if config.name.startswith("django") or importlib.util.find_spec(module_name) is None:
                continue
            loader = getattr(importlib.import_module(module_name), "load_demo", None)
            if loader is not None:
                self.stdout.write(f"demo: {config.verbose_name}")
                loader(actor, self.stdout)
        self.stdout.write(
            self.style.SUCCESS("Demo data loaded. Sign in as operator/operator or scientist/scientist.")
        )
