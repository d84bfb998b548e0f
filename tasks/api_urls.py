from django.urls import path

from tasks import apis

TASK = "tasks/<int:task_id>/"

urlpatterns = [
    path("cases/<int:case_id>/tasks/", apis.CaseTasksApi.as_view(), name="api-case-tasks"),
    path("tasks/mine/", apis.MyTasksApi.as_view(), name="api-tasks-mine"),
    path(TASK, apis.TaskDetailApi.as_view(), name="api-task"),
    path(f"{TASK}complete/", apis.TaskCompleteApi.as_view(), name="api-task-complete"),
    path(f"{TASK}reopen/", apis.TaskReopenApi.as_view(), name="api-task-reopen"),
]
