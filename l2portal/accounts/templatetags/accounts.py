"""{% single_sign_on %}: the sign-in page's button to the identity provider, when one is set."""

from django import template

from .. import conf

register = template.Library()


@register.inclusion_tag("accounts/single_sign_on.html", takes_context=True)
def single_sign_on(context):
    return {"enabled": conf.oidc_enabled(), "name": conf.oidc_name(), "next": context.get("next", "")}
