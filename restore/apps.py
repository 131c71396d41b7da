from django.apps import AppConfig


class RestoreConfig(AppConfig):
    name = "restore"
    verbose_name = "Restores (ALMA MOUS)"
