"""Tasks and their events in the audit trail (audit/triggers.py)."""

from django.db import migrations

from audit.triggers import track_changes


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_triggers"),
        ("tasks", "0001_tasks"),
    ]

    operations = [
        track_changes(
            "tasks_task", "tasks.task", case_column="case_id", ignored=("updated_at", "version")
        ),
        track_changes("tasks_taskevent", "tasks.taskevent", case_column="case_id"),
    ]
