"""What the pipelines pages share: whether to show operators' controls, a column header only screen
readers read, a row's retry button."""

from django.template.loader import render_to_string
from django.utils.html import format_html

from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor


def shows_operator_controls(request) -> bool:
    """Whether the page offers operators' forms and buttons (the services decide what is allowed)."""
    return Actor.of_user(request.user).has_role(OPERATOR)


def hidden_header(text: str):
    return format_html('<span class="visually-hidden">{}</span>', text)


def retry_button(table, url: str, next_url: str, label: str = "Retry") -> str:
    """The form that sends the row's failed (or held) object back to its step, then to ``next_url``."""
    return render_to_string(
        "pipelines/_retry_button.html", {"url": url, "next": next_url, "label": label}, request=table.request
    )
