from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from casework.views import notification_preferences, notifications
from config.forms import SignInForm
from config.health import healthz

api_urlpatterns = [
    path("", include("returnees.api_urls")),
    path("", include("casework.api_urls")),
    path("", include("referrals.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="casework:caseload"), name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=SignInForm
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("returnees/", include("returnees.urls")),
    path("cases/", include("casework.urls")),
    path("referrals/", include("referrals.urls")),
    path("notifications/", notifications, name="notifications"),
    path("notifications/preferences/", notification_preferences, name="notification_preferences"),
    path("api/", include(api_urlpatterns)),
    path("admin/", admin.site.urls),
]
