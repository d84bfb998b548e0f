from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from two_factor import views as tf_views

from config.accounts import (
    AccountSecurityView,
    AuthenticatorSetupView,
    SecondFactorDisableView,
    SignInView,
    api_token,
    language_set,
)
from config.health import healthz
from config.views import home

# django-two-factor-auth's views under its own namespace (its views reverse these
# names), with our sign-in and a disable view that mandatory roles cannot use.
two_factor_urlpatterns = (
    [
        path("login/", SignInView.as_view(), name="login"),
        path("two-factor/", AccountSecurityView.as_view(), name="profile"),
        path("two-factor/setup/", AuthenticatorSetupView.as_view(), name="setup"),
        path("two-factor/qrcode/", tf_views.QRGeneratorView.as_view(), name="qr"),
        path(
            "two-factor/setup/complete/",
            tf_views.SetupCompleteView.as_view(),
            name="setup_complete",
        ),
        path(
            "two-factor/backup/tokens/",
            tf_views.BackupTokensView.as_view(),
            name="backup_tokens",
        ),
        path("two-factor/disable/", SecondFactorDisableView.as_view(), name="disable"),
    ],
    "two_factor",
)

api_urlpatterns = [
    path("", include("intake.api_urls")),
    path("", include("casework.api_urls")),
    path("", include("reports.api_urls")),
    path("", include("referrals.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("tasks.api_urls")),
    path("", include("documents.api_urls")),
    path("", include("audit.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include(two_factor_urlpatterns)),
    path("accounts/api-token/", api_token, name="api_token"),
    path("accounts/language/", language_set, name="language"),
    path("healthz", healthz, name="healthz"),
    path("returnees/", include("intake.urls")),
    path("cases/", include("casework.urls")),
    path("cases/", include("reports.urls")),
    path("referrals/", include("referrals.urls")),
    path("tasks/", include("tasks.urls")),
    path("", include("documents.urls")),
    path("audit/", include("audit.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/", include(api_urlpatterns)),
    path("admin/", admin.site.urls),
]
