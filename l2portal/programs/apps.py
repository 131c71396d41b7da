from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "l2portal.programs"
    label = "programs"
    verbose_name = "Observing programs (Level 2)"

    def ready(self):
        # Registers the tasks in every process, so services can enqueue them by name.
        from . import tasks  # noqa: F401
