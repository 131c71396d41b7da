from django.apps import AppConfig


class RestoreConfig(AppConfig):
    name = "restore"
    verbose_name = "Restores (ALMA MOUS)"

    def ready(self):
        # Registers the step tasks in every process, so services can enqueue them by name.
        from . import tasks  # noqa: F401
