from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from audit import views as audit_views
from casework.views import notification_preferences, notifications
from config.health import healthz

api_urlpatterns = [
    path("", include("returnees.api_urls")),
    path("", include("casework.api_urls")),
    path("", include("referrals.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("", audit_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("returnees/", include("returnees.urls")),
    path("cases/", include("casework.urls")),
    path("referrals/", include("referrals.urls")),
    path("audit/", include("audit.urls")),
    path("notifications/", notifications, name="notifications"),
    path("notifications/preferences/", notification_preferences, name="notification_preferences"),
    path("api/", include(api_urlpatterns)),
    path("admin/", admin.site.urls),
]
