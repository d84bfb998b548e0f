"""Tasks in the audit trail: the same row-change trigger as every tracked table
(audit/migrations/0002_triggers.py), with the case id in `case_id`."""

from django.db import migrations

NOISE = "updated_at,version"
# table -> (object type, case column, case lookup, returnee column, ignored, redacted, mode)
TRACKED = {
    "tasks_task": ("tasks.task", "case_id", "", "", NOISE, "", ""),
    "tasks_taskevent": ("tasks.taskevent", "case_id", "", "", "", "", ""),
}


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def create_trigger(table: str, args: tuple) -> str:
    return (
        f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION audit_capture_change({', '.join(map(_quote, args))});"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_triggers"),
        ("tasks", "0001_tasks"),
    ]

    operations = [
        migrations.RunSQL(
            create_trigger(table, args), f"DROP TRIGGER IF EXISTS {table}_audit ON {table};"
        )
        for table, args in TRACKED.items()
    ]
