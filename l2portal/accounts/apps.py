from l2portal.ledger.roles import OPERATOR
from l2portal.portal.site import Nav, PortalApp


class AccountsConfig(PortalApp):
    name = "l2portal.accounts"
    label = "accounts"
    verbose_name = "Accounts: single sign-on and API tokens"
    url_prefix = "accounts/"
    navigation = (Nav("API tokens", "accounts:tokens", roles=(OPERATOR,)),)
    roles = (OPERATOR,)
