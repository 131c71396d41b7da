"""Who causes a change, and whether their role allows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..refusals import NotPermitted
from ..roles import has_role
from .events import refuse


@dataclass(frozen=True)
class Actor:
    """Who causes a change: a person, a task (name + id) or the system itself."""

    label: str
    user: Any = None
    task_name: str = ""
    task_id: str = ""

    @classmethod
    def of_user(cls, user) -> Actor:
        return cls(label=user.get_username(), user=user)

    @classmethod
    def of_task(cls, task) -> Actor:
        task_id = task.request.id or ""
        return cls(label=f"task {task.name}[{task_id}]", task_name=task.name, task_id=task_id)

    @classmethod
    def system(cls, what: str) -> Actor:
        return cls(label=f"system: {what}")

    @property
    def is_person(self) -> bool:
        return self.user is not None

    def has_role(self, *roles: str) -> bool:
        """Tasks and the system act on behalf of the portal and hold every role; people hold theirs."""
        return not self.is_person or has_role(self.user, *roles)


def require_role(actor: Actor, *roles: str, to: str, subject=None) -> None:
    """Refuse (NotPermitted, recorded) unless ``actor`` holds one of ``roles``; ``to`` says what
    they tried: ``require_role(actor, OPERATOR, to="start preprocessing")``."""
    if not actor.has_role(*roles):
        allowed = " or ".join(f"{role}s" for role in roles)
        refuse(
            NotPermitted(
                f"only {allowed} may {to}; ask an operator",
                details={"roles": list(roles), "actor": actor.label},
            ),
            actor,
            subject,
        )
