"""Documents and their events in the audit trail (audit/triggers.py)."""

from django.db import migrations

from audit.triggers import track_changes


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_triggers"),
        ("documents", "0001_documents"),
    ]

    operations = [
        track_changes("documents_document", "documents.document", case_column="case_id"),
        track_changes(
            "documents_documentevent", "documents.documentevent", case_column="case_id"
        ),
    ]
