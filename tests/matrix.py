"""The access matrix of docs/access.md as data: which roles may use each page and
endpoint, and how a role's request is sent. tests/test_access_matrix.py asserts every
cell over HTTP; the CSP, second-factor and hostile-form tests walk the same rows.

Each URL has a row: which roles may use it (✓: the request is not refused —
any status but 401/403/404 and never a 5xx; a write with an empty body may
answer 400) and which are refused, with what. URL kwargs are taken from the
`world` fixture (tests/conftest.py).
"""

from django.db import transaction

OK = "ok"
REFUSED = (403, 404)  # refused by role or by relationship: both reveal nothing
ROLES = [
    "social_worker",
    "program_manager",
    "police_liaison",
    "partner",
    "auditor",
    "outsider",
    "outsider_manager",
    # Configures in the admin site (tests/config/test_admin.py) and nothing else.
    "administrator",
    "anonymous",
]

# Profiles: the expectation of each role. `anonymous` is sent to sign in (page) or 401/403 (API).
CASE_TEAM = {
    "social_worker": OK,
    "program_manager": OK,
    "police_liaison": REFUSED,
    "partner": REFUSED,
    "auditor": 403,
    "outsider": 404,
    "outsider_manager": 404,
    "administrator": 403,
}
MANAGER_OF_CASE = {**CASE_TEAM, "social_worker": 403, "outsider": 403}
CASE_READERS = {**CASE_TEAM, "police_liaison": OK, "partner": OK}
FLAG_WORKERS = {**CASE_TEAM, "police_liaison": OK, "partner": 403}
RECEIVING_SIDE = {
    "social_worker": REFUSED,
    "program_manager": REFUSED,
    "police_liaison": REFUSED,
    "partner": OK,
    "auditor": 403,
    "outsider": REFUSED,
    "outsider_manager": REFUSED,
    "administrator": 403,
}
RECEIVING_MANAGER = {  # the lead transfer is offered to agency C; A's people cannot answer it
    "social_worker": REFUSED,
    "program_manager": REFUSED,
    "police_liaison": REFUSED,
    "partner": REFUSED,
    "auditor": 403,
    "outsider": REFUSED,
    "outsider_manager": REFUSED,
    "administrator": 403,
}
CASE_WORKERS_LISTS = {  # lists filtered to what the user may see; a role without them: 403
    "social_worker": OK,
    "program_manager": OK,
    "police_liaison": OK,
    "partner": OK,
    "auditor": 403,
    "outsider": OK,
    "outsider_manager": OK,
    "administrator": 403,
}
REFERRAL_LISTS = {**CASE_WORKERS_LISTS}
FLAGS_BOARD = {**CASE_WORKERS_LISTS, "partner": 403}
INTAKE = {**CASE_WORKERS_LISTS, "police_liaison": 403, "partner": 403}
# Program managers only (reports.view_caseload_report); the outsider's manager gets a
# report of their own agency's cases, never agency A's.
REPORTS = {
    "social_worker": 403,
    "program_manager": OK,
    "police_liaison": 403,
    "partner": 403,
    "auditor": 403,
    "outsider": 403,
    "outsider_manager": OK,
    "administrator": 403,
}
# An export belongs to whoever asked for it (agency A's program manager here).
OWN_EXPORT = {**REPORTS, "outsider_manager": 404}
# Tasks across the cases one works (tasks.my_tasks): the roles that work cases.
MY_TASKS = {**CASE_WORKERS_LISTS, "police_liaison": 403, "partner": 403}
SIGNED_IN = dict.fromkeys(ROLES[:-1], OK)
AUDITOR_ONLY = {**dict.fromkeys(ROLES[:-1], 403), "auditor": OK}
# The auditor on any case; the program manager of the lead agency; another agency's PM: 404.
ACCESS_LOG = {**AUDITOR_ONLY, "program_manager": OK, "outsider_manager": 404}
PUBLIC = dict.fromkeys(ROLES, OK)
# Police liaisons, program managers, auditors: the second factor is theirs to keep.
OPTIONAL_SECOND_FACTOR = {
    **SIGNED_IN,
    "program_manager": 403,
    "police_liaison": 403,
    "auditor": 403,
    "outsider_manager": 403,
    "administrator": 403,
}

# Assignment, bulk reassignment and hand-over: program managers (casework.assign_case),
# on the open cases their agency leads; the outsider's manager works their own agency's.
ASSIGNERS = {**REPORTS}
# A member of agency A (the world's `staff_id`): their agency's program manager only.
STAFF_OF_A = {**REPORTS, "outsider_manager": 404}
# Lead transfers offered to my agency (referrals.change_leadtransfer): program managers,
# each listing their own agency's (the world's offer is to agency C: nobody's here).
TRANSFER_ANSWERERS = {**REPORTS}

# url name -> (method, profile, URL kwargs taken from the world)
MATRIX = {
    "home": ("get", PUBLIC, []),  # a redirect to the caseload, which asks to sign in
    "login": ("get", PUBLIC, []),
    "logout": ("post", PUBLIC, []),
    "healthz": ("get", PUBLIC, []),
    # Account security: the second factor, recovery codes, API token (config/accounts.py).
    "two_factor:login": ("get", PUBLIC, []),
    "two_factor:profile": ("get", SIGNED_IN, []),
    "two_factor:setup": ("get", SIGNED_IN, []),
    # The QR code exists only while the setup wizard shows it.
    "two_factor:qr": ("get", dict.fromkeys(ROLES[:-1], 404), []),
    "two_factor:setup_complete": ("get", SIGNED_IN, []),
    "two_factor:backup_tokens": ("get", SIGNED_IN, []),
    "two_factor:disable": ("get", OPTIONAL_SECOND_FACTOR, []),
    # Only a session verified with a second factor mints a token; these roles have none here.
    "api_token": (
        "post",
        {**SIGNED_IN, "social_worker": 403, "partner": 403, "outsider": 403},
        [],
    ),
    # The language switcher: anyone may choose; a signed-in person's choice is stored.
    "language": ("post", PUBLIC, []),
    "notifications": ("get", SIGNED_IN, []),
    "notification_preferences": ("get", SIGNED_IN, []),
    "api-notifications": ("get", SIGNED_IN, []),
    "api-notifications-read": ("post", SIGNED_IN, []),
    "api-notification-preferences": ("get", SIGNED_IN, []),
    "api-schema": ("get", SIGNED_IN, []),
    "api-docs": ("get", SIGNED_IN, []),
    # Intake and the caseload.
    "intake:intake": ("get", INTAKE, []),
    "intake:duplicate_check": ("post", INTAKE, []),
    "api-returnee-register": ("post", INTAKE, []),
    "casework:caseload": ("get", CASE_WORKERS_LISTS, []),
    "api-case-list": ("get", CASE_WORKERS_LISTS, []),
    # The program manager's dashboard, caseload report and exports.
    "reports:dashboard": ("get", REPORTS, []),
    "reports:report": ("get", REPORTS, []),
    "reports:report_export": ("post", REPORTS, []),
    "reports:export_job": ("get", OWN_EXPORT, ["export_id"]),
    "reports:export_download": ("get", OWN_EXPORT, ["export_id"]),
    "api-report-rows": ("get", REPORTS, []),
    "api-report-aggregates": ("get", REPORTS, []),
    "api-report-exports": ("post", REPORTS, []),
    "api-report-export": ("get", OWN_EXPORT, ["export_id"]),
    "api-report-export-download": ("get", OWN_EXPORT, ["export_id"]),
    # Reading a case.
    "casework:case_detail": ("get", CASE_READERS, ["case_id"]),
    "casework:timeline": ("get", CASE_READERS, ["case_id"]),
    "api-case-detail": ("get", CASE_READERS, ["case_id"]),
    "api-case-timeline": ("get", CASE_READERS, ["case_id"]),
    "api-case-notes": ("get", CASE_READERS, ["case_id"]),
    "api-case-note": ("get", CASE_READERS, ["case_id", "note_id"]),
    # The printable case summary: any reader, showing what they may read.
    "reports:case_summary": ("get", CASE_READERS, ["case_id"]),
    "api-case-summary": ("get", CASE_READERS, ["case_id"]),
    # Working a case.
    "casework:triage_new": ("post", CASE_TEAM, ["case_id"]),
    "casework:triage_decide": ("post", MANAGER_OF_CASE, ["case_id", "assessment_id"]),
    "casework:pathway_set": ("post", CASE_TEAM, ["case_id"]),
    "casework:custody_start": ("post", CASE_TEAM, ["case_id"]),
    "casework:custody_end": ("post", CASE_TEAM, ["case_id", "episode_id"]),
    "casework:goal_new": ("post", CASE_TEAM, ["case_id"]),
    "casework:goal_edit": ("post", CASE_TEAM, ["case_id", "goal_id"]),
    "casework:note_new": ("post", CASE_TEAM, ["case_id"]),
    "casework:note_amend": ("post", {**CASE_TEAM, "program_manager": 404}, ["case_id", "note_id"]),
    "casework:review_new": ("post", CASE_TEAM, ["case_id"]),
    "casework:case_close": ("post", CASE_TEAM, ["case_id"]),
    "casework:case_reopen": ("post", CASE_TEAM, ["case_id"]),
    "casework:followup_complete": ("post", CASE_TEAM, ["case_id", "followup_id"]),
    "intake:family_contact_new": ("post", CASE_TEAM, ["case_id"]),
    "intake:family_contact_delete": ("post", CASE_TEAM, ["case_id", "contact_id"]),
    "api-case-triage": ("post", CASE_TEAM, ["case_id"]),
    "api-case-triage-decision": ("post", MANAGER_OF_CASE, ["case_id", "assessment_id"]),
    "api-case-pathway": ("post", CASE_TEAM, ["case_id"]),
    "api-case-custody": ("post", CASE_TEAM, ["case_id"]),
    "api-case-custody-end": ("post", CASE_TEAM, ["case_id", "episode_id"]),
    "api-case-goals": ("post", CASE_TEAM, ["case_id"]),
    "api-case-goal": ("patch", CASE_TEAM, ["case_id", "goal_id"]),
    "api-case-note-amend": (
        "post",
        {**CASE_TEAM, "program_manager": REFUSED},
        ["case_id", "note_id"],
    ),
    "api-case-reviews": ("post", CASE_TEAM, ["case_id"]),
    "api-case-followup": ("post", CASE_TEAM, ["case_id", "followup_id"]),
    "api-case-close": ("post", CASE_TEAM, ["case_id"]),
    "api-case-reopen": ("post", CASE_TEAM, ["case_id"]),
    "api-case-family-contacts": ("get", CASE_TEAM, ["case_id"]),
    "api-case-family-contact": ("delete", CASE_TEAM, ["case_id", "contact_id"]),
    # Correcting the person and its history: the case team (writers of the person's parts).
    "intake:person_edit": ("post", CASE_TEAM, ["case_id"]),
    "intake:person_history": ("get", CASE_TEAM, ["case_id"]),
    "api-case-person": ("patch", CASE_TEAM, ["case_id"]),
    "api-case-person-history": ("get", CASE_TEAM, ["case_id"]),
    # Flags.
    "casework:flag_new": ("post", FLAG_WORKERS, ["case_id"]),
    "casework:flag_acknowledge": ("post", FLAG_WORKERS, ["case_id", "flag_id"]),
    "casework:flag_resolve": ("post", FLAG_WORKERS, ["case_id", "flag_id"]),
    "api-case-flags": ("post", FLAG_WORKERS, ["case_id"]),
    "api-case-flag-acknowledge": ("post", FLAG_WORKERS, ["case_id", "flag_id"]),
    "api-case-flag-resolve": ("post", FLAG_WORKERS, ["case_id", "flag_id"]),
    "casework:flags_board": ("get", FLAGS_BOARD, []),
    "api-flags-board": ("get", FLAGS_BOARD, []),
    # Referrals, consent and lead transfer: the sending side (the case team).
    "referrals:referral_new": ("post", CASE_TEAM, ["case_id"]),
    "referrals:referral_send": ("post", CASE_TEAM, ["case_id", "draft_id"]),
    "referrals:referral_cancel": ("post", CASE_TEAM, ["case_id", "referral_id"]),
    "referrals:referral_revoke": ("post", MANAGER_OF_CASE, ["case_id", "referral_id"]),
    "referrals:consent_new": ("post", CASE_TEAM, ["case_id"]),
    "referrals:transfer_offer": ("post", MANAGER_OF_CASE, ["case_id"]),
    "referrals:transfer_withdraw": ("post", MANAGER_OF_CASE, ["case_id", "transfer_id"]),
    "api-case-referrals": ("post", CASE_TEAM, ["case_id"]),
    "api-case-consents": ("post", CASE_TEAM, ["case_id"]),
    "api-case-lead-transfer": ("post", MANAGER_OF_CASE, ["case_id"]),
    "api-referral-send": ("post", CASE_TEAM, ["draft_id"]),
    "api-referral-cancel": ("post", CASE_TEAM, ["referral_id"]),
    "api-referral-revoke": ("post", MANAGER_OF_CASE, ["referral_id"]),
    "api-referral-detail": (
        "get",
        {**CASE_TEAM, "partner": OK},
        ["referral_id"],
    ),
    "api-lead-transfer-cancel": ("post", MANAGER_OF_CASE, ["transfer_id"]),
    # The receiving side.
    "referrals:inbox": ("get", REFERRAL_LISTS, []),
    "referrals:outgoing": ("get", REFERRAL_LISTS, []),
    "api-referral-inbox": ("get", REFERRAL_LISTS, []),
    "api-referral-sent": ("get", REFERRAL_LISTS, []),
    "referrals:incoming_accept": ("post", RECEIVING_SIDE, ["sent_id"]),
    "referrals:incoming_decline": ("post", RECEIVING_SIDE, ["sent_id"]),
    "referrals:incoming_progress": ("post", RECEIVING_SIDE, ["referral_id"]),
    "referrals:incoming_complete": ("post", RECEIVING_SIDE, ["referral_id"]),
    "api-referral-accept": ("post", RECEIVING_SIDE, ["sent_id"]),
    "api-referral-decline": ("post", RECEIVING_SIDE, ["sent_id"]),
    "api-referral-progress": ("post", RECEIVING_SIDE, ["referral_id"]),
    "api-referral-complete": ("post", RECEIVING_SIDE, ["referral_id"]),
    "referrals:transfer_accept": ("post", RECEIVING_MANAGER, ["transfer_id"]),
    "referrals:transfer_decline": ("post", RECEIVING_MANAGER, ["transfer_id"]),
    "api-lead-transfer-accept": ("post", RECEIVING_MANAGER, ["transfer_id"]),
    "api-lead-transfer-decline": ("post", RECEIVING_MANAGER, ["transfer_id"]),
    "api-lead-transfers-offered": ("get", TRANSFER_ANSWERERS, []),
    # Tasks on a case (the case team's) and "My tasks" (tasks/).
    "tasks:my_tasks": ("get", MY_TASKS, []),
    "tasks:task_new": ("post", CASE_TEAM, ["case_id"]),
    "tasks:task_edit": ("post", CASE_TEAM, ["case_id", "task_id"]),
    "tasks:task_complete": ("post", CASE_TEAM, ["case_id", "task_id"]),
    "tasks:task_reopen": ("post", CASE_TEAM, ["case_id", "task_id"]),
    "api-case-tasks": ("post", CASE_TEAM, ["case_id"]),
    "api-task": ("patch", CASE_TEAM, ["task_id"]),
    "api-task-complete": ("post", CASE_TEAM, ["task_id"]),
    "api-task-reopen": ("post", CASE_TEAM, ["task_id"]),
    "api-tasks-mine": ("get", MY_TASKS, []),
    # Assignment, bulk reassignment, staff and hand-over (casework/services.py).
    "casework:case_assign": ("post", MANAGER_OF_CASE, ["case_id"]),
    "api-case-assign": ("post", MANAGER_OF_CASE, ["case_id"]),
    "casework:caseload_reassign": ("post", ASSIGNERS, []),
    "api-cases-reassign": ("post", ASSIGNERS, []),
    "api-cases-hand-over": ("post", ASSIGNERS, []),
    "casework:staff": ("get", ASSIGNERS, []),
    "casework:staff_deactivate": ("post", STAFF_OF_A, ["staff_id"]),
    "casework:hand_over": ("post", STAFF_OF_A, ["staff_id"]),
    "api-staff": ("get", ASSIGNERS, []),
    "api-staff-deactivate": ("post", STAFF_OF_A, ["staff_id"]),
    # Documents on a case: read and written as a note of their visibility (the world's
    # document, an image, is shared with all engaged agencies: police and partner read it).
    "documents:document_new": ("post", CASE_TEAM, ["case_id"]),
    "documents:document_download": ("get", CASE_READERS, ["document_id"]),
    "documents:document_thumbnail": ("get", CASE_READERS, ["document_id"]),
    "documents:document_remove": ("post", CASE_TEAM, ["document_id"]),
    "api-case-documents": ("get", CASE_READERS, ["case_id"]),
    "api-document-download": ("get", CASE_READERS, ["document_id"]),
    "api-document-thumbnail": ("get", CASE_READERS, ["document_id"]),
    "api-document-remove": ("post", CASE_TEAM, ["document_id"]),
    # The audit trail.
    "audit:events": ("get", AUDITOR_ONLY, []),
    "casework:case_access_log": ("get", ACCESS_LOG, ["case_id"]),
    "api-audit-events": ("get", AUDITOR_ONLY, []),
    "api-case-access-log": ("get", ACCESS_LOG, ["case_id"]),
}

URL_KWARGS = {
    "draft_id": "referral_id",
    "sent_id": "referral_id",
    "export_id": "job_id",
    "staff_id": "user_id",
}


class Rollback(Exception):
    """Undo one request's writes, so every role meets the same world."""


def request_as(cast, client, client_of, role, name, method, url):
    http = client if role == "anonymous" else client_of(getattr(cast, role))
    send = getattr(http, method)
    response = None
    try:
        with transaction.atomic():
            if name.startswith("api-") and method != "get":
                response = send(url, content_type="application/json")
            else:
                response = send(url)
            raise Rollback
    except Rollback:
        pass
    return response


def in_matrix(name: str, role: str, status: int, method: str | None = None) -> bool:
    """Whether the matrix asserts this cell exactly: `role` gets `status` from `name`.
    A page refuses before it looks at the method, so any method is the same cell; an API
    operation is another cell per method, so pass `method` for those."""
    row = MATRIX.get(name)
    if row is None or (method is not None and row[0] != method):
        return False
    return row[1].get(role, "login") == status
