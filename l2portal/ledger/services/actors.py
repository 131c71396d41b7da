"""Who causes a change: a person, a task or the system."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..roles import has_role


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
