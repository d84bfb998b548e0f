"""Nobody is a superuser: administrators hold the administrator role.

Django lets an active superuser pass every permission check, which would let an
administrator read cases, the audit trail and reports without a role that
allows it. Existing superusers become staff members with the administrator
role; a check constraint keeps `is_superuser` false from now on, whatever writes
the row (docs/access.md).
"""

from django.db import migrations

CONSTRAINT = "auth_user_no_superuser"


def superusers_to_administrators(apps, schema_editor):
    User = apps.get_model("auth", "User")
    Group = apps.get_model("auth", "Group")
    administrators, _ = Group.objects.get_or_create(name="administrator")
    for user in User.objects.filter(is_superuser=True):
        user.is_superuser = False
        user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
        user.groups.add(administrators)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0005_staff_preference_language"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(superusers_to_administrators, migrations.RunPython.noop),
        migrations.RunSQL(
            f"ALTER TABLE auth_user ADD CONSTRAINT {CONSTRAINT} CHECK (NOT is_superuser)",
            f"ALTER TABLE auth_user DROP CONSTRAINT {CONSTRAINT}",
        ),
    ]
