from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "l2portal.ledger"
    label = "ledger"
    verbose_name = "Ledger: history, products, provenance"
