"""The portal's page components, for every app's templates (``{% load portal %}``):

{% product p %}                   a product: its page and its download (resumable)
{% timeline obj %}                moves, events and runs about an object, newest first
{% failure obj %}                 an object in Error: why, and the one action that helps
{% live_state obj %}              its state and the run working on it, live while work runs
{% action url "Retry" confirm="Retry P310?" %}   a button that POSTs, asking first if told
{% form_fields form %}            a form's fields, what is missing said at the top
{% sections "pipelines" %}        the app's own pages (PortalApp.sections), the current one marked
"""

from __future__ import annotations

from django import template
from django.apps import apps

from ...ledger.roles import OPERATOR, has_role
from ...ledger.selectors import failure_of
from ...ledger.selectors import timeline as timeline_of
from ..pages import live_state_context
from ..site import sections as app_sections

register = template.Library()


@register.inclusion_tag("components/product.html")
def product(product):
    return {"product": product}


@register.inclusion_tag("components/timeline.html")
def timeline(obj, limit: int = 50):
    return {"entries": timeline_of(obj, limit), "object": obj, "model": obj._meta.label_lower, "limit": limit}


@register.inclusion_tag("components/failure.html", takes_context=True)
def failure(context, obj, cancel_url: str = ""):
    request = context["request"]
    return {
        "failure": failure_of(obj),
        "object": obj,
        "model": obj._meta.label_lower,
        "can_retry": has_role(request.user, OPERATOR),
        "cancel_url": cancel_url,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("components/live_state.html")
def live_state(obj):
    return live_state_context(obj)


@register.inclusion_tag("components/action.html", takes_context=True)
def action(context, url: str, label: str, confirm: str = "", style: str = ""):
    return {
        "url": url,
        "label": label,
        "confirm": confirm,
        "style": style,
        "next": context["request"].get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("components/form.html")
def form_fields(form):
    missing = [field.label for field in form if any(e.code == "required" for e in field.errors.as_data())]
    return {"form": form, "missing": missing}


@register.inclusion_tag("components/sections.html", takes_context=True)
def sections(context, app_label: str):
    request = context["request"]
    links = [(entry, entry.url()) for entry in app_sections(app_label, request.user)]
    # The current page: the longest link its path starts with (a list's objects mark the list).
    current = max(
        (url for _, url in links if request.path.startswith(url.split("#")[0])), key=len, default=None
    )
    return {
        "links": [(entry.label, url, url == current) for entry, url in links],
        "label": apps.get_app_config(app_label).verbose_name.split(":")[0].split(" (")[0],
    }
