from django.apps import AppConfig


class PipelinesConfig(AppConfig):
    name = "pipelines"
    verbose_name = "Pipelines (Fermi ISOC)"

    def ready(self):
        # Registers the tasks in every process, so services can enqueue them by name.
        from . import tasks  # noqa: F401
