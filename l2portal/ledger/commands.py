"""The base of every management command: the actor is the command itself ("manage.py NAME"), and a
refusal ends as one line (CommandError: the message), never a traceback."""

from __future__ import annotations

from functools import cached_property

from django.core.management.base import BaseCommand, CommandError

from l2portal.ledger.refusals import Refused
from l2portal.ledger.services import Actor


class PortalCommand(BaseCommand):
    @cached_property
    def command_name(self) -> str:
        return type(self).__module__.rsplit(".", 1)[-1]

    @cached_property
    def actor(self) -> Actor:
        """Who the history says did it: ``manage.py <command>``."""
        return Actor.system(f"manage.py {self.command_name}")

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except Refused as error:
            raise CommandError(error.message) from error
