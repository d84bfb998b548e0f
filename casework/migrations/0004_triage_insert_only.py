"""Triage assessments and decisions are insert-only, enforced by Postgres.

The application never edits or deletes them (a correction is a new
assessment); this trigger makes that true for every connection, raw SQL and
bulk queryset updates included.
"""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION homeward_forbid_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are insert-only', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""

TABLES = ["casework_triageassessment", "casework_triagedecision"]


class Migration(migrations.Migration):
    dependencies = [("casework", "0003_casework")]

    operations = [
        migrations.RunSQL(FORBID, "DROP FUNCTION IF EXISTS homeward_forbid_change();"),
        *[
            migrations.RunSQL(
                f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION homeward_forbid_change();",
                f"DROP TRIGGER IF EXISTS {table}_insert_only ON {table};",
            )
            for table in TABLES
        ],
    ]
