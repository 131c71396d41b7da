from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from l2portal import web
from l2portal.ledger.api import views as ledger_api
from l2portal.programs import api as programs_api
from pipelines import api as pipelines_api
from restore import api as restore_api

router = DefaultRouter()
router.register("collections", ledger_api.CollectionViewSet)
router.register("products", ledger_api.ProductViewSet)
router.register("executions", ledger_api.ExecutionViewSet)
router.register("events", ledger_api.LedgerEventViewSet)
for domain_api in (programs_api, pipelines_api, restore_api):
    domain_api.register(router)

urlpatterns = [
    path("", web.home, name="home"),
    path("healthz", web.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("programs/", include("l2portal.programs.urls")),
    path("pipelines/", include("pipelines.urls")),
    path("restores/", include("restore.urls")),
    path("api/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
