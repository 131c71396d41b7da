from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "l2portal.programs"
    label = "programs"
    verbose_name = "Observing programs (Level 2)"
