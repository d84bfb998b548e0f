"""Create the role groups with their model-level permissions.

Model permissions say what a role may do at all (register a returnee, work
cases); which cases it may do it on comes only from object permissions.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "social_worker": [
        "returnees.add_returnee",
        "returnees.view_returnee",
        "casework.view_case",
        "casework.change_case",
    ],
    "police_liaison": ["casework.view_case"],
    "program_manager": [
        "returnees.add_returnee",
        "returnees.view_returnee",
        "casework.view_case",
        "casework.change_case",
    ],
    "partner_staff": ["casework.view_case"],
    "auditor": [],
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("returnees", "0001_initial"),
        ("casework", "0002_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
