"""Site URLs: the site's own pages, then every portal app's pages and API routes as it declares
them (PortalApp.url_prefix, PortalApp.api)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from l2portal import web
from l2portal.accounts.views import SignOut
from l2portal.portal.metrics.views import metrics
from l2portal.portal.site import page_urls, register_api

router = DefaultRouter()
register_api(router)

urlpatterns = [
    path("", web.home, name="home"),
    path("healthz", web.healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    # Ends a single sign-on session at the identity provider too (RP-initiated logout).
    path("accounts/logout/", SignOut.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    *page_urls(),
    path("api/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

handler400 = "l2portal.web.bad_request"
handler403 = "l2portal.web.forbidden"
handler404 = "l2portal.web.not_found"
handler500 = "l2portal.web.server_error"
