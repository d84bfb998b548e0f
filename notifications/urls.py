from django.urls import path

from notifications import views

# Mounted at /notifications/ without a namespace: the bell links here from every page.
urlpatterns = [
    path("", views.notifications, name="notifications"),
    path("preferences/", views.notification_preferences, name="notification_preferences"),
]
