"""Consent records are append-only, enforced by Postgres.

A withdrawal is a new record; the trigger (the function comes from
casework 0004) refuses UPDATE and DELETE for every connection, raw SQL and
bulk queryset updates included.
"""

from django.db import migrations

TABLE = "referrals_consentrecord"


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0004_triage_insert_only"),
        ("referrals", "0003_referrals_consent_transfers"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE TRIGGER {TABLE}_insert_only BEFORE UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION homeward_forbid_change();",
            f"DROP TRIGGER IF EXISTS {TABLE}_insert_only ON {TABLE};",
        ),
    ]
