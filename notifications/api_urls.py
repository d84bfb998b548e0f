from django.urls import path

from notifications import apis

urlpatterns = [
    path("notifications/", apis.NotificationListApi.as_view(), name="api-notifications"),
    path("notifications/read/", apis.NotificationsReadApi.as_view(), name="api-notifications-read"),
    path(
        "notifications/preferences/",
        apis.EmailPreferencesApi.as_view(),
        name="api-notification-preferences",
    ),
]
