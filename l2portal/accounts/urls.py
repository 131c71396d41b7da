"""Sign-in through the identity provider and the API tokens page."""

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("oidc/authenticate/", views.SignInStart.as_view(), name="oidc-start"),
    path("oidc/callback/", views.SignInCallback.as_view(), name="oidc-callback"),
    path("tokens/", views.api_tokens, name="tokens"),
    path("tokens/<str:username>/rotate/", views.rotate_token, name="token-rotate"),
]
