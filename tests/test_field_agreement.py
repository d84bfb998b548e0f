"""Every channel shows each part of a case exactly as casework/parts.py declares.

One case carries a marker in every part (a text no other part contains). For every
reader — each kind of relationship with the case, and readers with none — every
channel is read: the case's pages, its JSON API, the lists (pages and API), the
timeline, the identified caseload export and the mail and in-app notifications.
A marker of a part the reader may not read must appear nowhere; a marker of a
part they may read must appear in every channel that carries that part.

The parts come from the declaration and the URLs from the URLconf, so a new part
without a marker, a field of the person in no part, or a new URL without a
channel here fails before any reader is tried.
"""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import formats, timezone

from agencies import services as agencies
from agencies.models import AgencyKind, Role
from casework import services as casework
from casework.access import case_viewer
from casework.parts import NOBODY, RULES, Part, Rule, part_of
from casework.services import agency_set_jurisdiction
from documents.services import document_upload
from intake.services import family_contact_add
from referrals import services as referrals
from reports.selectors import column_keys, columns
from returnees.models import Returnee
from tasks.services import task_add
from tests.casework.helpers import note, triage
from tests.documents import files as document_files
from tests.reports.pdf import pdf_text

DEPARTED = datetime.date(2013, 7, 19)

# Part -> the texts that show its marker (as HTML shows it, as JSON and CSV show it).
MARKERS: dict[Part, tuple[str, ...]] = {
    Part.CASE: (),  # the reference: filled in from the case
    Part.IDENTITY: ("Identitymark",),
    Part.CONTACT: ("Contactmark street 7",),
    Part.RETURN_LEGAL: ("2013-07-19", formats.date_format(DEPARTED, "DATE_FORMAT")),
    # The summary PDF's text puts a label and its value on lines of their own.
    Part.NEEDS: (">Income<", '"income"', "Needs\nIncome"),
    Part.FAMILY: ("Familymark",),
    Part.CATEGORY: ("Categorymark reason",),
    Part.TRIAGE: ("Triagemark rationale",),
    Part.PLAN: ("Planmark goal",),
    Part.REVIEWS: ("Reviewmark summary",),
    Part.FLAGS: ("Flagmark concern",),
    Part.CUSTODY: ("Custodymark SIZO",),
    Part.REFERRALS: ("Referralmark declined",),
    Part.NOTES_CASE_TEAM: ("Notemark team",),
    Part.NOTES_CLINICAL: ("Notemark clinical",),
    Part.NOTES_POLICE: ("Notemark police",),
    Part.NOTES_ALL_AGENCIES: ("Notemark all",),
    Part.TASKS: ("Taskmark title",),
}

# The readers: each relationship with the case, and readers with none.
READERS = [
    "social_worker",  # the assigned worker, of the lead agency
    "program_manager",  # the lead agency
    "police_liaison",  # police jurisdiction: the case is unsettled in Bishkek
    "partner",  # an accepted referral sharing contact, plan and shared notes
    "clinician",  # health staff: an accepted referral sharing shared notes
    "partner_manager",  # a program manager of the employer: reports and exports
    "outsider",
    "outsider_manager",
    "auditor",
    "administrator",
]

# Channels, and the parts each must show to a reader who may read them.
CARRIES = {
    "page": set(Part),
    "api": set(Part),
    "timeline": {
        Part.PLAN,
        Part.REVIEWS,
        Part.NOTES_CASE_TEAM,
        Part.NOTES_CLINICAL,
        Part.NOTES_POLICE,
        Part.NOTES_ALL_AGENCIES,
        Part.TASKS,
    },
    "lists": {Part.CASE, Part.IDENTITY},
    # The printable case summary (PDF, page and API): every part, as the case page.
    "summary": set(Part),
    # References only: mail and the audit trail never carry a person's data.
    "mail": set(),
    "audit": set(),
}
REFERENCE_ONLY = {"mail", "audit"}

# Every URL of the URLconf taking no argument but the case: the channel it belongs to.
CASE_URLS = {
    "casework:case_detail": "page",
    "casework:case_assign": "page",
    "api-case-assign": "api",
    "casework:timeline": "timeline",
    "casework:triage_new": "page",
    "casework:pathway_set": "page",
    "casework:custody_start": "page",
    "casework:goal_new": "page",
    "casework:note_new": "page",
    "casework:flag_new": "page",
    "casework:review_new": "page",
    "casework:case_close": "page",
    "casework:case_reopen": "page",
    "intake:family_contact_new": "page",
    "intake:person_edit": "page",
    "intake:person_history": "page",
    "referrals:referral_new": "page",
    "referrals:consent_new": "page",
    "referrals:transfer_offer": "page",
    "tasks:task_new": "page",
    "casework:case_access_log": "audit",
    "api-case-detail": "api",
    "api-case-timeline": "timeline",
    "api-case-notes": "api",
    "api-case-triage": "api",
    "api-case-pathway": "api",
    "api-case-custody": "api",
    "api-case-goals": "api",
    "api-case-flags": "api",
    "api-case-reviews": "api",
    "api-case-close": "api",
    "api-case-reopen": "api",
    "api-case-family-contacts": "api",
    "api-case-person-history": "api",
    "api-case-person": "api",
    "api-case-referrals": "api",
    "api-case-consents": "api",
    "api-case-lead-transfer": "api",
    "api-case-tasks": "api",
    "reports:case_summary": "summary",
    "api-case-summary": "summary",
    "documents:document_new": "page",
    "api-case-documents": "api",
    "api-case-access-log": "audit",
}
# URLs taking no argument at all that show cases: lists of them, or none (forms, account).
LIST_URLS = {
    "casework:caseload": "lists",
    "api-case-list": "lists",
    "casework:flags_board": "lists",
    "api-flags-board": "lists",
    "referrals:inbox": "lists",
    "referrals:outgoing": "lists",
    "api-referral-inbox": "lists",
    "api-referral-sent": "lists",
    "tasks:my_tasks": "lists",
    "api-tasks-mine": "lists",
    "api-lead-transfers-offered": "lists",
    "casework:staff": "lists",  # staff and their open-case counts: no case's content
    "api-staff": "lists",
    "reports:dashboard": "lists",
    "reports:report": "lists",
    "api-report-rows": "lists",
    "api-report-aggregates": "lists",
    "notifications": "mail",
    "api-notifications": "mail",  # the same rows as the page: text by case reference only
    "audit:events": "audit",
    "api-audit-events": "audit",
}
NO_CASE_CONTENT = {
    "home",
    "login",
    "logout",
    "healthz",
    "language",
    "api_token",
    "notification_preferences",
    "api-notifications-read",
    "api-notification-preferences",
    # Reassignment and hand-over answer with counts (or a redirect), never a case's content.
    "casework:caseload_reassign",
    "api-cases-reassign",
    "api-cases-hand-over",
    "api-schema",
    "api-docs",
    "intake:intake",
    "intake:duplicate_check",
    "api-returnee-register",
    "reports:report_export",  # read below, as the export channel
    "api-report-exports",  # starts a background export: the same rows as the export channel
    "two_factor:login",
    "two_factor:profile",
    "two_factor:setup",
    "two_factor:qr",
    "two_factor:setup_complete",
    "two_factor:backup_tokens",
    "two_factor:disable",
}

# The person's own fields that are bookkeeping, not a part of what a reader sees.
PERSON_BOOKKEEPING = {
    "id",
    "parent",
    "name_key",
    "alias_key",
    "created_at",
    "created_by",
    "updated_at",
}


def url_names(patterns=None, namespace=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name != "admin":
                yield from url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, set(pattern.pattern.regex.groupindex)


def test_every_part_has_a_rule_and_a_marker():
    assert set(RULES) == set(Part)
    assert set(MARKERS) == set(Part)


def test_every_field_of_the_person_is_in_a_part():
    fields = {f.name for f in Returnee._meta.concrete_fields} - PERSON_BOOKKEEPING
    unruled = [name for name in fields if name not in dict.fromkeys(_declared_fields())]
    assert not unruled, f"fields in no part of casework/parts.py: {unruled}"


def _declared_fields():
    for rule in RULES.values():
        yield from rule.fields


def test_every_case_url_has_a_channel():
    for name, kwargs in url_names():
        if kwargs == {"case_id"}:
            assert name in CASE_URLS, f"{name}: which channel shows it? (CASE_URLS)"
        elif not kwargs:
            assert name in LIST_URLS or name in NO_CASE_CONTENT, f"{name}: add it to LIST_URLS"


def test_every_export_column_is_in_a_part():
    for key, _label in columns(identified=True):
        part_of(key)  # a KeyError names the column


@pytest.fixture
def marked(cast, register, django_capture_on_commit_callbacks):
    """A case of agency A with a marker in every part, and the readers around it."""
    readers = {name: getattr(cast, name, None) for name in READERS}
    family_support = agencies.agency_create(
        actor=None, name="Family Bridge", kind=AgencyKind.FAMILY_SUPPORT, region="bishkek"
    )

    def staff(username, role, agency):
        return agencies.staff_member_create(
            actor=None,
            username=username,
            password=None,
            password_hash="!",
            role=role,
            agencies=[agency],
        )

    readers["partner_manager"] = staff("employer.pm", Role.PROGRAM_MANAGER, cast.employer)
    family_worker = staff("family.sw", Role.PARTNER_STAFF, family_support)
    readers["program_manager"].user_permissions.add(*_permissions("reports.export_identified"))
    readers["partner_manager"].user_permissions.add(*_permissions("reports.export_identified"))
    with django_capture_on_commit_callbacks(execute=True):
        agency_set_jurisdiction(
            actor=cast.administrator, agency=cast.police_agency, regions=["bishkek"]
        )
        case = register(
            given_name="Identitymark",
            region="bishkek",
            address="Contactmark street 7",
            departure_date=DEPARTED,
            needs=["income"],
        )
        sw = cast.social_worker
        triage(sw, case, "unsettled", rationale="Triagemark rationale")
        case.refresh_from_db()
        casework.case_pathway_set(
            actor=sw,
            case=case,
            pathway="rehabilitation",
            reason="Categorymark reason",
            expected_version=None,
        )
        casework.goal_add(
            actor=sw,
            case=case,
            domain="housing",
            description="Planmark goal",
            owner_agency=cast.agency_a,
            target_date=None,
        )
        for visibility, text in [
            ("case_team", "Notemark team"),
            ("clinical", "Notemark clinical"),
            ("police", "Notemark police"),
            ("all_agencies", "Notemark all"),
        ]:
            # By a colleague on the case team: an author reads their own notes whatever
            # their visibility, and the colleague is no reader here.
            note(cast.colleague, case, visibility, text=text)
            # A document of each visibility carries its note part's marker too (its title),
            # so the documents' channels (case page, API list, timeline) are checked alike.
            document_upload(
                actor=cast.colleague,
                case=case,
                upload=document_files.upload(f"{visibility}.pdf", document_files.PDF),
                kind="other",
                title=f"{text} (document)",
                document_date=timezone.localdate(),
                visibility=visibility,
            )
        casework.flag_raise(
            actor=sw,
            case=case,
            category="travel",
            severity="urgent",  # notifies the police liaison and the worker: the mail channel
            source="family",
            description="Flagmark concern",
        )
        casework.custody_start(
            actor=sw,
            case=case,
            facility="Custodymark SIZO",
            started_on=timezone.localdate() - datetime.timedelta(days=2),
            segregated=True,
        )
        casework.review_complete(
            actor=sw, case=case, outcome="continue", summary="Reviewmark summary"
        )
        family_contact_add(
            actor=sw, case=case, name="Familymark", relationship="mother", warning_channel=False
        )
        # Given to a colleague on the team, who is no reader here: the mail channel too.
        task_add(
            actor=sw,
            case=case,
            title="Taskmark title",
            due_on=timezone.localdate() + datetime.timedelta(days=7),
            owner=cast.colleague,
        )
        for agency, scope, answer in [
            (cast.employer, ["identity", "contact", "plan", "shared_notes"], cast.partner),
            (cast.health_agency, ["identity", "shared_notes"], cast.clinician),
            (family_support, ["identity"], family_worker),
        ]:
            _refer(sw, case, agency, scope, answer)
    return case, readers


def _permissions(*names):
    from django.contrib.auth.models import Permission

    return [
        Permission.objects.get(
            content_type__app_label=name.split(".")[0], codename=name.split(".")[1]
        )
        for name in names
    ]


def _refer(actor, case, agency, scope, answerer):
    """Refer the case to `agency`; its member accepts — or, for family support, declines
    with the referrals part's marker (the family-support worker is no reader here)."""
    service = "family_support" if agency.kind == AgencyKind.FAMILY_SUPPORT else "job_placement"
    if agency.kind == AgencyKind.HEALTH:
        service = "psychological_support"
    referrals.consent_record(
        actor=actor,
        case=case,
        agency=agency,
        purpose=service,
        scope=scope,
        decision="given",
        given_by="person",
    )
    referral = referrals.referral_create(
        actor=actor,
        case=case,
        to_agency=agency,
        service_type=service,
        reason="Support.",
        response_deadline=timezone.localdate() + datetime.timedelta(days=5),
        share_scope=scope,
    )
    referrals.referral_send(actor=actor, referral=referral)
    if agency.kind == AgencyKind.FAMILY_SUPPORT:
        referrals.referral_decline(
            actor=answerer, referral=referral, reason="Referralmark declined"
        )
    else:
        referrals.referral_accept(actor=answerer, referral=referral)


def _read(http, names: dict, kwargs: dict) -> dict[str, str]:
    """The text of every GET of these URL names, by channel (refusals read as nothing)."""
    texts: dict[str, list[str]] = {}
    for name, channel in names.items():
        url = reverse(name, kwargs=kwargs)
        if name == "casework:timeline" or name == "api-case-timeline":
            url += "?page_size=200" if name.startswith("api") else ""
        response = http.get(url)
        if response.status_code == 200 and response["Content-Type"] == "application/pdf":
            texts.setdefault(channel, []).append(pdf_text(response.content))
        elif response.status_code == 200 and not getattr(response, "streaming", False):
            texts.setdefault(channel, []).append(response.content.decode())
    return {channel: "\n".join(parts) for channel, parts in texts.items()}


def _export_row(http, case) -> dict[str, str] | None:
    """The case's row of an identified CSV export, by column key; None if not exported."""
    response = http.post(
        reverse("reports:report_export"),
        {"format": "csv", "identified": "on", "purpose": "Checking what each reader sees."},
    )
    if response.status_code != 200:
        return None
    text = b"".join(response.streaming_content).decode()
    keys = column_keys(identified=True)
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        if row and row[0] == case.reference:
            return dict(zip(keys, row, strict=True))
    return None


def _mail_to(user) -> str:
    return "\n".join(
        f"{message.subject}\n{message.body}" for message in mail.outbox if user.email in message.to
    )


@pytest.mark.parametrize("reader", READERS)
def test_each_channel_shows_exactly_what_the_declaration_allows(marked, client_of, reader):
    case, readers = marked
    user = readers[reader]
    viewer = case_viewer(user, case)
    http = client_of(user)
    markers = {**MARKERS, Part.CASE: (case.reference,)}

    texts = _read(http, CASE_URLS, {"case_id": case.pk})
    for channel, text in _read(http, LIST_URLS, {}).items():
        texts[channel] = texts.get(channel, "") + "\n" + text
    texts["mail"] = texts.get("mail", "") + "\n" + _mail_to(user)

    problems = []
    for channel, carried in CARRIES.items():
        text = texts.get(channel, "")
        for part in Part:
            shown = any(marker in text for marker in markers[part])
            allowed = viewer.can_read(part)
            if part == Part.CASE and channel in REFERENCE_ONLY:
                continue  # the reference names the case: the trail and mail may say it
            if shown and not allowed:
                problems.append(f"{channel} shows {part} to {reader}")
            if allowed and part in carried and not shown:
                problems.append(f"{channel} hides {part} from {reader}")

    row = _export_row(http, case)
    if row is not None:
        for key, value in row.items():
            part = part_of(key)
            if value and not viewer.can_read(part):
                problems.append(f"export shows {key} ({part}) to {reader}")
            if not value and viewer.can_read(part) and key in ("given_name", "address"):
                problems.append(f"export hides {key} ({part}) from {reader}")
    assert not problems, "\n".join(problems)


def test_the_readers_relationships_are_the_ones_intended(marked):
    """The readers above exercise every audience of the declaration."""
    case, readers = marked
    reads = {name: case_viewer(user, case) for name, user in readers.items()}
    assert reads["social_worker"].can_read(Part.TRIAGE)
    assert reads["police_liaison"].can_read(Part.FLAGS)
    assert not reads["police_liaison"].can_read(Part.CONTACT)
    assert reads["partner"].can_read(Part.CONTACT)
    assert not reads["partner"].can_read(Part.RETURN_LEGAL)
    assert reads["clinician"].can_read(Part.NOTES_CLINICAL)
    assert reads["partner_manager"].can_read(Part.PLAN)
    assert not reads["partner_manager"].can_read(Part.CATEGORY)
    for name in ("outsider", "outsider_manager", "auditor", "administrator"):
        assert not any(reads[name].can_read(part) for part in Part), name


def test_the_report_and_its_exports_blank_a_part_the_declaration_withholds(
    marked, client_of, monkeypatch
):
    """The report reads the declaration too: were contact details and the plan not the
    case team's to read, the report page, its API and the identified export would leave
    those cells empty, row by row, with no list of columns of their own."""
    case, readers = marked
    for part in (Part.CONTACT, Part.PLAN):
        withheld = Rule(read=NOBODY, write=RULES[part].write, fields=RULES[part].fields)
        monkeypatch.setitem(RULES, part, withheld)
    http = client_of(readers["program_manager"])
    row = _export_row(http, case)
    assert row["given_name"] == "Identitymark"
    assert (row["address"], row["phone"], row["goals_total"]) == ("", "", "")
    rows = http.get(reverse("api-report-rows")).json()["results"]
    mine = next(r for r in rows if r["reference"] == case.reference)
    assert (mine["goals_total"], mine["goals_achieved"]) == (None, None)
    assert mine["category"] == "unsettled"
    page = http.get(reverse("reports:report")).content.decode()
    assert "<td>0 / 1</td>" not in page  # goals achieved / goals: withheld, shown as —


def test_a_report_covers_only_the_cases_of_the_readers_case_team(marked, client_of):
    """The employer's manager holds the case through a referral: it is in no report of
    theirs, not even as a count by category."""
    case, readers = marked
    http = client_of(readers["partner_manager"])
    assert _export_row(http, case) is None
    rows = http.get(reverse("api-report-rows")).json()["results"]
    assert case.reference not in [r["reference"] for r in rows]
    tiles = {
        t["key"]: t["count"] for t in http.get(reverse("api-report-aggregates")).json()["tiles"]
    }
    assert tiles["open"] == 0


def test_a_clinical_note_does_not_date_the_last_contact_in_a_report(cast, register, client_of):
    """The team does not read clinical notes, so a report of the team's cases does not
    tell when the last one was written."""
    case = register()
    note(cast.colleague, case, "clinical", text="Session one.")
    http = client_of(cast.program_manager)
    rows = {r["reference"]: r for r in http.get(reverse("api-report-rows")).json()["results"]}
    assert rows[case.reference]["last_contact"] is None
    note(cast.colleague, case, "case_team", text="Home visit.")
    rows = {r["reference"]: r for r in http.get(reverse("api-report-rows")).json()["results"]}
    assert rows[case.reference]["last_contact"] is not None
