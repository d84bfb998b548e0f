from django.urls import path

from returnees import views

app_name = "returnees"

urlpatterns = [
    path("intake/", views.intake, name="intake"),
    path("intake/duplicates/", views.duplicate_check, name="duplicate_check"),
]
