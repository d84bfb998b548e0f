"""Roles as Django groups, and the model permissions each role holds.

Model permissions say what a role may do at all (register a returnee, work
cases); which cases it may do it on comes only from object permissions.
This map is the single source of truth: `sync_roles` runs after every
`migrate` (and after the test runner's flush), creating missing groups and
setting each group's permissions to exactly what is listed here.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS

from agencies.models import Role

_CASE_WORK = [
    "returnees.add_returnee",
    "returnees.view_returnee",
    "returnees.add_familycontact",
    "returnees.delete_familycontact",
    "casework.view_case",
    "casework.change_case",
    "casework.add_triageassessment",
    "casework.add_goal",
    "casework.change_goal",
    "casework.add_note",
    "casework.view_note",
    "casework.add_flag",
    "casework.change_flag",
    "casework.view_flag",
    "casework.add_review",
]

# Sending referrals and recording consent, for the lead agency's case workers.
_REFERRING = [
    "referrals.add_referral",
    "referrals.view_referral",
    "referrals.change_referral",
    "referrals.add_consentrecord",
    "referrals.view_consentrecord",
]
# Answering referrals (accept, decline, progress, outcome), for receiving agencies.
_RECEIVING = ["referrals.view_referral", "referrals.change_referral"]

# Granted person by person in the admin, never by role (the user form offers these only).
PERSON_PERMISSIONS = ["reports.export_identified"]

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.SOCIAL_WORKER: [*_CASE_WORK, *_REFERRING],
    Role.PROGRAM_MANAGER: [
        *_CASE_WORK,
        "casework.approve_triage",
        # Who works which case: assignment, bulk reassignment, a leaver's hand-over.
        "casework.assign_case",
        # Deactivating a member of their agency (a leaver), ending their sessions at once.
        "agencies.manage_staff",
        # Dashboard, caseload report, pseudonymised exports. Identified exports
        # (reports.export_identified) are in no role: granted person by person.
        "reports.view_caseload_report",
        *_REFERRING,
        "referrals.override_consent",
        "referrals.revoke_referral",
        "referrals.add_leadtransfer",
        "referrals.change_leadtransfer",
        # The access log of the cases their agency leads (the audit trail of that case only).
        "audit.view_case_access_log",
    ],
    Role.POLICE_LIAISON: [
        "casework.view_case",
        "casework.view_note",
        "casework.add_flag",
        "casework.change_flag",
        "casework.view_flag",
        *_RECEIVING,
    ],
    Role.PARTNER_STAFF: ["casework.view_case", "casework.view_note", *_RECEIVING],
    # The whole audit trail, and no case content: no casework permission at all.
    Role.AUDITOR: ["audit.view_auditevent"],
    # What the admin site manages (config/admin.py), and nothing of casework, the
    # trail or the reports. Groups are viewed, not edited: roles are this map.
    Role.ADMINISTRATOR: [
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        "agencies.view_agency",
        "agencies.add_agency",
        "agencies.change_agency",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accesslog",
        "axes.view_accessfailurelog",
        "otp_static.view_staticdevice",
        "otp_static.delete_staticdevice",
        "otp_totp.view_totpdevice",
        "otp_totp.delete_totpdevice",
    ],
}


# Roles that work cases (hold `casework.change_case`): those a case can be assigned to.
CASE_WORKING_ROLES = [
    role for role, perms in ROLE_PERMISSIONS.items() if "casework.change_case" in perms
]


def sync_roles(*, apps=global_apps, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    # Permissions of later apps may not exist yet when this runs for `referrals`.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role.value)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(
                Permission.objects.using(using).get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)
