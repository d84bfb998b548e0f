"""Changes to documents and their events reach the audit trail like every tracked table's
(audit/migrations/0002_triggers.py: the trigger function and its arguments)."""

from django.db import migrations

# table -> (object type, case column, case lookup, returnee column, ignored, redacted, mode)
TRACKED = {
    "documents_document": ("documents.document", "case_id", "", "", "", "", ""),
    "documents_documentevent": ("documents.documentevent", "case_id", "", "", "", "", ""),
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
        ("documents", "0001_documents"),
    ]

    operations = [
        migrations.RunSQL(
            create_trigger(table, args), f"DROP TRIGGER IF EXISTS {table}_audit ON {table};"
        )
        for table, args in TRACKED.items()
    ]
