from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Tasks")

    def ready(self) -> None:
        # What tasks add to a case, without casework importing tasks: their events in
        # the case timeline, the tasks section of the case page, and overdue tasks in
        # the reminder sweep (the module registers them). All in the tasks part.
        from casework.parts import Part
        from casework.selectors import (
            TimelineKind,
            TimelineSource,
            case_page_section,
            timeline_source,
        )
        from tasks import lifecycles, reminders  # noqa: F401  (declare and register)
        from tasks.models import TaskEvent
        from tasks.selectors import case_task_panel, task_events_of

        timeline_source(
            TimelineSource(
                kind=TimelineKind.TASK,
                part=Part.TASKS,
                rows=task_events_of,
                at="at",
                loader=lambda: TaskEvent.objects.select_related("task", "actor"),
            )
        )
        case_page_section("task_panel", Part.TASKS, case_task_panel)

        # Cases with overdue tasks: a section of the program manager's weekly digest.
        from notifications.digest import digest_section
        from tasks.selectors import overdue_task_cases

        digest_section(
            "overdue_tasks", _("Cases with overdue tasks: %(count)s"), overdue_task_cases
        )
