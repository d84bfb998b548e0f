"""The cast every test draws on, in one place.

agency A (Bishkek social services) works the cases; agency B (Osh social
services) is the outsider's agency and must see nothing of A's cases.
"""

import datetime
import os
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from agencies.models import Agency, AgencyKind, Role
from agencies.services import agency_create, staff_member_create
from casework import services as casework
from casework.models import Case, FollowUp
from documents.services import document_upload
from intake.services import family_contact_add, returnee_register
from referrals import services as referrals
from reports.services import export_record
from reports.tasks import run_export
from tasks.services import task_add
from tests.casework.helpers import flag, note, triage
from tests.documents import files as document_files
from tests.factories import PersonDetailsFactory

User = get_user_model()
PASSWORD = "correct-horse-battery"
# pytest-xdist names its workers gw0, gw1, …; empty when the run has no workers.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _broker_of_this_worker(base: str) -> str:
    """Worker gwN uses the Redis database N above the run's (HOMEWARD_TEST_BROKER)."""
    url = urlsplit(base)
    number = int(url.path.strip("/") or 0) + int(WORKER.removeprefix("gw") or 0)
    if number > 15:
        raise pytest.UsageError(
            f"Worker {WORKER} would use Redis database {number}; Redis has 0-15. "
            "Give HOMEWARD_TEST_BROKER a lower database or run fewer workers."
        )
    return urlunsplit(url._replace(path=f"/{number}"))


# Overridable so two checkouts can run their suites side by side; each xdist worker
# takes its own database from there, so only its own worker ever reads its queue.
TEST_BROKER = _broker_of_this_worker(
    os.environ.get("HOMEWARD_TEST_BROKER", "redis://127.0.0.1:6379/14")
)


def pytest_configure(config):
    from django.conf import settings

    # Fast hashing and plain static storage: tests need neither strength nor collectstatic.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Tasks run inline when enqueued (after commit); one test runs a real worker.
    from config.celery import app

    app.conf.task_always_eager = True
    # A Redis database of the tests' own, so a developer's running worker never
    # takes the tasks of the one test that runs a real worker.
    app.conf.broker_url = TEST_BROKER
    # Background report exports write into a directory of the run's own.
    import tempfile
    from pathlib import Path

    settings.EXPORT_DIR = Path(tempfile.mkdtemp(prefix=f"homeward-exports-{WORKER}-"))
    # Documents' files too: a filesystem storage in a directory of the run's own.
    settings.DOCUMENTS_ROOT = Path(tempfile.mkdtemp(prefix=f"homeward-documents-{WORKER}-"))
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": settings.DOCUMENTS_ROOT},
        },
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    _allow_flushing_the_audit_trail()


# The pages the browser tests checked with axe-core (tests/browser/conftest.py), listed
# at the end of the run. Under pytest-xdist each worker hands its list to the controller,
# which prints them all (this conftest is the one the controller loads).
CHECKED_PAGES: list[str] = []


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["checked_pages"] = CHECKED_PAGES


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    CHECKED_PAGES.extend(getattr(node, "workeroutput", {}).get("checked_pages", []))


def pytest_terminal_summary(terminalreporter):
    if CHECKED_PAGES:
        terminalreporter.write_sep(
            "-", f"axe-core: {len(CHECKED_PAGES)} pages without serious or critical violations"
        )
        for name in CHECKED_PAGES:
            terminalreporter.write_line(f"  {name}")


def _allow_flushing_the_audit_trail():
    """Transactional tests end with `flush`, a TRUNCATE of every table: the audit
    trail refuses TRUNCATE unless this transaction-local flag is on. Only the test
    suite sets it; the application never does (audit/migrations/0002_triggers.py)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    sql_flush = DatabaseOperations.sql_flush

    def flush_with_audit_trail(self, style, tables, **kwargs):
        statements = sql_flush(self, style, tables, **kwargs)
        if statements:
            statements = [
                "SELECT set_config('homeward.audit_allow_flush', 'on', true)",
                *statements,
            ]
        return statements

    DatabaseOperations.sql_flush = flush_with_audit_trail


@dataclass
class Cast:
    agency_a: object
    agency_b: object
    police_agency: object
    employer: object
    health_agency: object
    social_worker: object
    colleague: object
    program_manager: object
    police_liaison: object
    partner: object
    clinician: object
    outsider: object
    outsider_manager: object
    auditor: object
    administrator: object


# Cast field -> (name, kind, region)
AGENCIES = {
    "agency_a": ("Bishkek Social Services", AgencyKind.SOCIAL_SERVICES, "bishkek"),
    "agency_b": ("Osh Social Services", AgencyKind.SOCIAL_SERVICES, "osh_city"),
    "police_agency": ("Bishkek Police Liaison Unit", AgencyKind.POLICE, "bishkek"),
    "employer": ("Dordoi Textile Works", AgencyKind.EMPLOYER, "bishkek"),
    "health_agency": ("Republican Mental Health Centre", AgencyKind.HEALTH, "bishkek"),
}
# Cast field -> (username, role, agency field, first name, last name)
STAFF = {
    "social_worker": ("aigul", Role.SOCIAL_WORKER, "agency_a", "Aigul", "Sadykova"),
    "colleague": ("nurbek", Role.SOCIAL_WORKER, "agency_a", "Nurbek", "Asanov"),
    "program_manager": ("gulmira", Role.PROGRAM_MANAGER, "agency_a", "Gulmira", "Abdyldaeva"),
    "police_liaison": ("marat", Role.POLICE_LIAISON, "police_agency", "Marat", "Ismailov"),
    "partner": ("samat", Role.PARTNER_STAFF, "employer", "Samat", "Jumaliev"),
    "clinician": ("elena", Role.PARTNER_STAFF, "health_agency", "Elena", "Petrova"),
    "outsider": ("dilfuza", Role.SOCIAL_WORKER, "agency_b", "Dilfuza", "Karimova"),
    "outsider_manager": ("bakhtiyar", Role.PROGRAM_MANAGER, "agency_b", "Bakhtiyar", "Mamatov"),
    "auditor": ("ainura", Role.AUDITOR, None, "Ainura", "Beishenova"),
    # Configures in the admin; reads no case, trail or report. Nobody is a superuser.
    "administrator": ("root", Role.ADMINISTRATOR, None, "Root", "Admin"),
}


def cast_build() -> None:
    """Create the cast through the real services (committed once per test database)."""
    agencies = {
        field: agency_create(actor=None, name=name, kind=kind, region=region)
        for field, (name, kind, region) in AGENCIES.items()
    }
    password_hash = make_password(PASSWORD)
    for username, role, agency, first, last in STAFF.values():
        staff_member_create(
            actor=None,
            username=username,
            password=None,
            password_hash=password_hash,
            role=role,
            agencies=[agencies[agency]] if agency else [],
            first_name=first,
            last_name=last,
            email=f"{username}@homeward.example",
        )


def cast_load() -> Cast:
    """The cast as the database has it now: fresh instances, so no test sees what
    another did to its copies in memory."""
    agencies = Agency.objects.in_bulk([a[0] for a in AGENCIES.values()], field_name="name")
    users = User.objects.in_bulk([s[0] for s in STAFF.values()], field_name="username")
    return Cast(
        **{field: agencies[name] for field, (name, *_rest) in AGENCIES.items()},
        **{field: users[username] for field, (username, *_rest) in STAFF.items()},
    )


def _cast_is_all_there_is() -> bool:
    """True when the database holds exactly today's cast and no case: a reused test
    database, or one that a transactional test has not flushed."""
    wanted_agencies = {(name, kind, region) for name, kind, region in AGENCIES.values()}
    wanted_staff = {
        (
            username,
            first,
            last,
            f"{username}@homeward.example",
            tuple(sorted([role, *([f"agency:{AGENCIES[agency][0]}"] if agency else [])])),
        )
        for username, role, agency, first, last in STAFF.values()
    }
    agencies = set(Agency.objects.values_list("name", "kind", "region"))
    staff = {
        (
            u.username,
            u.first_name,
            u.last_name,
            u.email,
            tuple(sorted(g.name for g in u.groups.all())),
        )
        for u in User.objects.prefetch_related("groups")
    }
    return agencies == wanted_agencies and staff == wanted_staff and not Case.objects.exists()


def cast_ensure() -> None:
    """Build the cast unless the database already holds it; anything else found there
    (an older cast, a run stopped inside a transactional test) is flushed first."""
    if _cast_is_all_there_is():
        return
    if Agency.objects.exists() or User.objects.exists() or Case.objects.exists():
        call_command("flush", interactive=False, verbosity=0)
    cast_build()


_DB_BLOCKER = pytest.StashKey[object]()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """The test database, with the cast in it: built once per database (each xdist
    worker has its own), kept by --reuse-db. Each test runs in a transaction rolled
    back on top of it."""
    request.config.stash[_DB_BLOCKER] = django_db_blocker
    with django_db_blocker.unblock():
        cast_ensure()


def _is_transactional(item) -> bool:
    fixtures = getattr(item, "fixturenames", ())
    if "transactional_db" in fixtures or "live_server" in fixtures:
        return True
    marker = item.get_closest_marker("django_db")
    if marker is None:
        return False
    transaction = marker.kwargs.get("transaction", marker.args[0] if marker.args else False)
    return bool(transaction or marker.kwargs.get("reset_sequences"))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Transactional tests (browser journeys, the real worker) first.

    pytest-django runs them last, to spare the flush they end with; here the cast
    is put back after each (below), so their place is free, and first is where they
    cost least: they are the longest tests, and at the end of the run the one worker
    still inside a browser journey kept the other idle for a minute and a half
    (`make test`, 2 workers, worksteal). Stable: the rest keep pytest-django's order.
    """
    items.sort(key=lambda item: not _is_transactional(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test (live server, real worker) ends with a flush of every
    table, the cast's too: put the cast back for the tests that follow."""
    try:
        return (yield)
    finally:
        blocker = item.config.stash.get(_DB_BLOCKER, None)
        if blocker is not None and _is_transactional(item):
            with blocker.unblock():
                cast_ensure()


@pytest.fixture
def cast(db) -> Cast:
    return cast_load()


def register_case(
    cast, actor=None, agency=None, acknowledge_duplicates=True, parent_case=None, **person
):
    """Register a returnee through the real service; defaults to agency A's social worker."""
    actor = actor or cast.social_worker
    return returnee_register(
        actor=actor,
        person=PersonDetailsFactory(**person),
        lead_agency=agency or cast.agency_a,
        assigned_worker=actor,
        parent_case=parent_case,
        acknowledge_duplicates=acknowledge_duplicates,
    )


@pytest.fixture
def register(cast):
    """register_case for this test's cast: `register(**person)` returns the new case."""

    def _register(**kwargs):
        return register_case(cast, **kwargs)

    return _register


def world_build(cast: Cast) -> dict[str, int]:
    """One case of agency A with one of everything, seen by each kind of relationship;
    returns the ids of its parts by the names the URLs take them as."""
    casework.agency_set_jurisdiction(
        actor=cast.administrator, agency=cast.police_agency, regions=["bishkek"]
    )
    case = register_case(cast, region="bishkek")
    triage(cast.social_worker, case, "unsettled")  # in police jurisdiction from now on
    pending = triage(cast.social_worker, case, "violent")
    goal = casework.goal_add(
        actor=cast.social_worker,
        case=case,
        domain="housing",
        description="Flat",
        owner_agency=cast.agency_a,
        target_date=None,
    )
    written = note(cast.social_worker, case, "all_agencies")
    raised = flag(cast.social_worker, case)
    episode = casework.custody_start(
        actor=cast.social_worker,
        case=case,
        facility="SIZO-1",
        started_on=timezone.localdate() - datetime.timedelta(days=2),
        segregated=True,
    )
    followup = FollowUp.objects.create(case=case, months=6, due_on=timezone.localdate())
    contact = family_contact_add(
        actor=cast.social_worker,
        case=case,
        name="Гульнара",
        relationship="mother",
        warning_channel=True,
    )
    for service in ("job_placement", "vocational_training"):
        referrals.consent_record(
            actor=cast.social_worker,
            case=case,
            agency=cast.employer,
            purpose=service,
            scope=["identity", "shared_notes"],
            decision="given",
            given_by="person",
        )

    def referral(service):
        return referrals.referral_create(
            actor=cast.social_worker,
            case=case,
            to_agency=cast.employer,
            service_type=service,
            reason="Work.",
            response_deadline=timezone.localdate() + datetime.timedelta(days=5),
            share_scope=["identity", "shared_notes"],
        )

    accepted = referral("job_placement")
    referrals.referral_send(actor=cast.social_worker, referral=accepted)
    referrals.referral_accept(actor=cast.partner, referral=accepted)
    sent = referral("vocational_training")
    referrals.referral_send(actor=cast.social_worker, referral=sent)
    draft = referral("job_placement")
    agency_c = agency_create(
        actor=None, name="Chuy Social Services", kind=AgencyKind.SOCIAL_SERVICES, region="chuy"
    )
    staff_member_create(
        actor=None,
        username="chuy.pm",
        password=None,
        password_hash="!",
        role=Role.PROGRAM_MANAGER,
        agencies=[agency_c],
    )
    transfer = referrals.lead_transfer_offer(
        actor=cast.program_manager, case=case, to_agency=agency_c
    )
    task = task_add(
        actor=cast.social_worker,
        case=case,
        title="Call the employer",
        due_on=timezone.localdate() + datetime.timedelta(days=3),
        owner=cast.social_worker,
    )
    document = document_upload(
        actor=cast.social_worker,
        case=case,
        upload=document_files.upload("scan.png", document_files.image(), "image/png"),
        kind="identity",
        title="Passport scan",
        document_date=timezone.localdate(),
        visibility="all_agencies",
    )
    exported = export_record(
        actor=cast.program_manager,
        format="csv",
        identified=False,
        purpose="",
        filter_params={},
        row_count=1,
        background=True,
    )
    run_export(exported.pk)  # as the worker would, after commit
    return {
        "case_id": case.pk,
        "assessment_id": pending.pk,
        "goal_id": goal.pk,
        "note_id": written.pk,
        "flag_id": raised.pk,
        "episode_id": episode.pk,
        "followup_id": followup.pk,
        "contact_id": contact.pk,
        "referral_id": accepted.pk,
        "sent_id": sent.pk,
        "draft_id": draft.pk,
        "transfer_id": transfer.pk,
        "export_id": exported.pk,
        "task_id": task.pk,
        # A member of agency A, whom its program manager may deactivate or hand over.
        "staff_id": cast.colleague.pk,
        "document_id": document.pk,
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world of world_build, built once for the module that asks for it, in a
    transaction rolled back when the module is done. Each test runs in a savepoint
    inside it (pytest-django's rolled-back test transaction), and the tests roll back
    each request too, so every role meets the same world."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield world_build(cast_load())
        transaction.set_rollback(True)


@pytest.fixture
def case(register):
    """A case of agency A, registered by its social worker with the factory's person
    (Bishkek, Chui st. 12, left in 2014): untriaged, so its first review is due in 14 days."""
    return register()


def verify_second_factor(client: Client, user) -> None:
    """Give the client's session a verified second factor, as django-otp's login does
    after a correct code: the user gets a TOTP device, the session its id."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="default", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


# The sign-in is a wizard (config.accounts.SignInView): each step's fields carry its
# name as a prefix, and the management form names the current step.
SIGN_IN_STEP = "sign_in_view-current_step"


def post_password(client: Client, username: str, password: str, **extra):
    from django.urls import reverse

    data = {SIGN_IN_STEP: "auth", "auth-username": username, "auth-password": password}
    return client.post(reverse("login"), data, **extra)


def post_code(client: Client, code: str, *, step: str = "token", **extra):
    from django.urls import reverse

    return client.post(reverse("login"), {SIGN_IN_STEP: step, f"{step}-otp_token": code}, **extra)


# Every request of a signed-in user pays these; each list test adds its own.
SESSION_QUERIES = [
    "session row",
    "user row",
    "second factor (config/security.py): the session's verified device, or the user's roles",
    "user's own model permissions (role checks)",
    "user's group model permissions (role checks)",
    "savepoint around the session refresh (idle timeout counts from the last request)",
    "session refresh",
    "release savepoint",
]


@pytest.fixture
def client_of():
    """A logged-in test client for a user; roles that must use a second factor
    (police liaison, program manager, auditor, administrator) have it verified."""
    from config.security import second_factor_required

    def _client(user) -> Client:
        client = Client()
        client.force_login(user)
        if second_factor_required(user):
            verify_second_factor(client, user)
        return client

    return _client


@pytest.fixture
def unverified_client_of():
    """A client signed in with the password only: no second factor verified."""

    def _client(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return _client


@pytest.fixture
def admin_user(cast):
    """pytest-django's admin user is a superuser, which Homeward refuses: the cast's
    administrator instead (the administrator role, docs/access.md)."""
    return cast.administrator


@pytest.fixture
def admin_client(admin_user, client_of):
    """An administrator's client, with the second factor the admin requires."""
    return client_of(admin_user)


@pytest.fixture
def grant_view():
    """Let a user see a case the way their relationship to it will (docs/access.md):
    police jurisdiction shares identity and the triage category; a referral to a
    partner here shares identity and the notes shared with all agencies."""
    from casework.services import case_team_grant

    by_role = {
        Role.POLICE_LIAISON: ["view_case", "view_case_triage"],
        Role.PARTNER_STAFF: ["view_case", "view_case_shared_notes"],
    }

    def _grant(user, case, codenames=None):
        if codenames is None:
            role = next(r for r in by_role if user.groups.filter(name=r).exists())
            codenames = by_role[role]
        case_team_grant(cases=[case], user=user, codenames=codenames)

    return _grant
