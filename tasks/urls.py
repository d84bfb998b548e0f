from django.urls import path

from tasks import views

app_name = "tasks"

urlpatterns = [
    path("mine/", views.my_tasks, name="my_tasks"),
    path("cases/<int:case_id>/new/", views.task_new, name="task_new"),
    path("cases/<int:case_id>/<int:task_id>/edit/", views.task_edit, name="task_edit"),
    path("cases/<int:case_id>/<int:task_id>/complete/", views.task_complete, name="task_complete"),
    path("cases/<int:case_id>/<int:task_id>/reopen/", views.task_reopen, name="task_reopen"),
]
