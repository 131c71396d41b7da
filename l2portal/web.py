"""Site-wide views: home dashboard, health check, error pages; the navigation."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from l2portal.ledger.models import Change
from l2portal.portal.api.refusals import error_body
from l2portal.portal.dashboard import boards
from l2portal.portal.site import navigation as portal_navigation
from l2portal.portal.tables import portal_table
from l2portal.registry.models import Product
from l2portal.registry.selectors import execution_rows
from l2portal.registry.tables import RecentChangeTable, RecentExecutionTable

RECENT_ROWS = 15


def navigation(request):
    """Context processor: the navigation entries the apps declare, as far as the user may see them."""
    return {"navigation": portal_navigation(request.user) if request.user.is_authenticated else []}


def home(request):
    """The boards (every count a link to its filtered list), the newest runs and changes."""
    runs = portal_table(
        request, RecentExecutionTable, list(execution_rows()[:RECENT_ROWS]), prefix="runs-", paginate=False
    )
    changes = portal_table(
        request,
        RecentChangeTable,
        list(Change.objects.all()[:RECENT_ROWS]),
        prefix="changes-",
        paginate=False,
    )
    for table in (runs, changes):
        if table.wants_csv:
            return table.csv_response()
    context = {"boards": boards(), "runs": runs, "changes": changes, "product_count": Product.objects.count()}
    return render(request, "home.html", context)


def _check_broker() -> dict:
    from l2portal.celery import app

    if app.conf.task_always_eager:
        return {
            "broker": {"ok": True, "mode": "embedded (no broker; tasks run in the web process)"},
            "workers": {"ok": True, "mode": "embedded", "names": []},
        }
    result = {}
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        result["broker"] = {"ok": True}
    except Exception as exc:
        result["broker"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        result["workers"] = {"ok": False, "error": "broker unreachable"}
        return result
    try:
        replies = app.control.ping(timeout=1.0) or []
    except Exception as exc:  # the broker went away between the two (a restart): say so, as JSON
        result["workers"] = {"ok": False, "error": f"no answer from the workers: {type(exc).__name__}: {exc}"}
        return result
    names = sorted(name for reply in replies for name in reply)
    result["workers"] = {"ok": bool(names), "names": names}
    if not names:
        result["workers"]["error"] = "no worker answered; start one with `make worker`"
    return result


@never_cache
@login_not_required
def healthz(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    try:
        checks.update(_check_broker())
    except Exception as exc:  # whatever a dependency does, the answer is JSON naming it
        checks["broker"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"ok": healthy, **checks}, status=200 if healthy else 503)


class RefuseNulMiddleware:
    """A NUL character in the path or the query string is never a real name: 400, before any
    view or database sees it (PostgreSQL text cannot hold one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.GET.lists()
        if "\x00" in request.path or any("\x00" in "".join([key, *values]) for key, values in query):
            return _error(request, 400, "NUL characters are not allowed in the path or the query string.")
        return self.get_response(request)


# Errors: JSON under /api/ (what a client parses, as DRF answers), the portal's own page elsewhere.
ERRORS = {
    400: ("Bad request", "The request could not be understood; check the address and the form."),
    403: ("Not allowed", "Your role does not allow this; an operator can grant it or do it for you."),
    404: ("Not found", "Nothing is at this address: it may have been purged, or the link is wrong."),
    500: (
        "Something went wrong",
        "The error is logged for the operators; try again, or tell them what you did.",
    ),
}


API_CODES = {400: "bad_request", 403: "permission_denied", 404: "not_found", 500: "server_error"}


def _error(request, status: int, explanation: str = ""):
    title, explanation = ERRORS[status][0], explanation or ERRORS[status][1]
    if request.path_info.startswith("/api/"):
        return JsonResponse(error_body(API_CODES[status], f"{title}: {explanation}"), status=status)
    try:
        return render(
            request,
            "error.html",
            {"title": title, "explanation": explanation, "status": status},
            status=status,
        )
    except Exception:  # a broken template must not hide the original error
        return HttpResponse(f"{status} {title}", status=status, content_type="text/plain")


def bad_request(request, exception=None):
    return _error(request, 400)


def forbidden(request, exception=None):
    return _error(request, 403)


def not_found(request, exception=None):
    return _error(request, 404)


def server_error(request):
    return _error(request, 500)
