"""The consent gate: no referral leaves without consent covering it, or a recorded legal basis."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from referrals import services
from referrals.models import ConsentRecord, Referral
from referrals.selectors import consent_covering
from tests.referrals.helpers import accepted, consent, draft, visible_codenames


@pytest.fixture
def child(register):
    today = timezone.localdate()
    return register(birth_date=today.replace(year=today.year - 12), departure_date=None)


def send(cast, referral, actor=None, **kwargs):
    return services.referral_send(actor=actor or cast.social_worker, referral=referral, **kwargs)


def assert_still_a_draft(referral):
    current = Referral.objects.get(pk=referral.pk)
    assert (current.status, current.version, current.sent_at) == ("draft", referral.version, None)
    assert list(current.events.values_list("status", flat=True)) == ["draft"]


def test_without_consent_a_referral_is_not_sent(cast, case):
    referral = draft(cast, case)
    with pytest.raises(ValidationError) as excinfo:
        send(cast, referral)
    assert excinfo.value.code == "consent"
    assert_still_a_draft(referral)


def test_consent_covering_the_referral_lets_it_go_and_is_kept_on_it(cast, case):
    record = consent(cast, case, scope=["identity", "plan", "contact"])
    referral = draft(cast, case, scope=["plan"])
    send(cast, referral)
    referral.refresh_from_db()
    assert referral.status == "sent"
    assert referral.consent == record
    assert referral.consent_override_basis == ""


def test_withdrawn_consent_does_not_cover(cast, case):
    consent(cast, case)
    consent(cast, case, decision="withdrawn")
    referral = draft(cast, case)
    with pytest.raises(ValidationError, match="consent"):
        send(cast, referral)
    assert_still_a_draft(referral)


def test_the_latest_record_decides(cast, case):
    consent(cast, case)
    consent(cast, case, decision="withdrawn")
    again = consent(cast, case, note="Changed her mind after meeting the employer.")
    referral = send(cast, draft(cast, case))
    assert referral.consent == again


def test_consent_to_a_narrower_scope_does_not_cover(cast, case):
    consent(cast, case, scope=["identity", "plan"])
    referral = draft(cast, case, scope=["plan", "contact"])
    with pytest.raises(ValidationError, match="consent"):
        send(cast, referral)
    assert_still_a_draft(referral)


@pytest.mark.parametrize(
    "other",
    [{"agency": "health_agency"}, {"purpose": "housing"}],
    ids=["another agency", "another purpose"],
)
def test_consent_for_another_agency_or_purpose_does_not_cover(cast, case, other):
    if "agency" in other:
        other = {"agency": getattr(cast, other["agency"])}
    consent(cast, case, **other)
    referral = draft(cast, case)
    with pytest.raises(ValidationError, match="consent"):
        send(cast, referral)
    assert_still_a_draft(referral)


def test_consent_covering_selector(cast, case):
    record = consent(cast, case, scope=["identity", "triage"])
    covering = {"case": case, "agency": cast.employer, "purpose": "job_placement"}
    assert consent_covering(**covering, scope=["identity"]) == record
    assert consent_covering(**covering, scope=["identity", "triage"]) == record
    assert consent_covering(**covering, scope=["identity", "contact"]) is None


# --- Minors -----------------------------------------------------------------------------


def test_a_minor_does_not_consent_alone(cast, child):
    with pytest.raises(ValidationError) as excinfo:
        consent(cast, child)
    assert "given_by" in excinfo.value.message_dict
    assert not ConsentRecord.objects.exists()


def test_a_parent_or_guardian_is_named(cast, child):
    with pytest.raises(ValidationError) as excinfo:
        consent(cast, child, given_by="parent_guardian", guardian_name=" ")
    assert "guardian_name" in excinfo.value.message_dict


def test_a_parent_or_guardians_consent_covers_a_minors_referral(cast, child):
    record = consent(cast, child, given_by="parent_guardian", guardian_name="Zarina Tokonova")
    referral = send(cast, draft(cast, child))
    assert referral.consent == record
    assert record.guardian_name == "Zarina Tokonova"


def test_a_minors_consent_can_be_withdrawn_by_anyone_recording_it(cast, child):
    consent(cast, child, given_by="parent_guardian", guardian_name="Zarina Tokonova")
    # Withdrawing is always possible, whoever asks for it.
    consent(cast, child, decision="withdrawn", given_by="person")
    with pytest.raises(ValidationError, match="consent"):
        send(cast, draft(cast, child))


# --- Override ---------------------------------------------------------------------------


def test_override_needs_the_permission(cast, case):
    referral = draft(cast, case)
    with pytest.raises(PermissionDenied):
        send(cast, referral, consent_override_basis="Court order 12/2026.")
    assert_still_a_draft(referral)


def test_override_needs_a_legal_basis(cast, case):
    referral = draft(cast, case)
    with pytest.raises(ValidationError, match="consent"):
        send(cast, referral, actor=cast.program_manager, consent_override_basis="   ")
    assert_still_a_draft(referral)


def test_override_records_the_legal_basis(cast, case):
    referral = draft(cast, case)
    send(
        cast,
        referral,
        actor=cast.program_manager,
        consent_override_basis=" Child-protection order 12/2026, art. 5. ",
    )
    referral.refresh_from_db()
    assert referral.status == "sent"
    assert referral.consent is None
    assert referral.consent_override_basis == "Child-protection order 12/2026, art. 5."
    assert referral.events.last().note == referral.consent_override_basis


def test_with_consent_no_override_is_recorded(cast, case):
    record = consent(cast, case)
    referral = send(
        cast, draft(cast, case), actor=cast.program_manager, consent_override_basis="Not needed."
    )
    assert (referral.consent, referral.consent_override_basis) == (record, "")


# --- Recording consent ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["outsider", "partner", "police_liaison"])
def test_only_the_lead_agency_records_consent(cast, case, who):
    with pytest.raises(PermissionDenied):
        consent(cast, case, actor=getattr(cast, who))
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"purpose": "astrology"}, "purpose"),
        ({"decision": "maybe"}, "decision"),
        ({"given_by": "neighbour"}, "given_by"),
        ({"scope": ["everything"]}, "scope"),
        ({"note": "x" * 20_001}, "note"),
    ],
)
def test_bad_consent_is_refused(cast, case, changes, field):
    with pytest.raises(ValidationError) as excinfo:
        consent(cast, case, **changes)
    assert field in excinfo.value.message_dict
    assert not ConsentRecord.objects.exists()


def test_consent_always_covers_identity(cast, case):
    assert consent(cast, case, scope=["plan"]).scope == ["identity", "plan"]


def test_withdrawal_ends_the_referrals_that_relied_on_it(cast, case):
    referral = accepted(cast, case, scope=["identity", "plan"])
    assert visible_codenames(cast.partner, case) == {"view_case", "view_case_plan"}
    consent(cast, case, decision="withdrawn")
    referral.refresh_from_db()
    assert referral.status == "cancelled"
    assert referral.events.last().status == "cancelled"
    assert visible_codenames(cast.partner, case) == set()


def test_narrowing_consent_ends_referrals_it_no_longer_covers(cast, case):
    wide = accepted(cast, case, scope=["identity", "plan"])
    consent(cast, case, scope=["identity"])
    wide.refresh_from_db()
    assert wide.status == "cancelled"


def test_withdrawal_leaves_a_referral_sent_on_a_legal_basis(cast, case):
    referral = services.referral_send(
        actor=cast.program_manager,
        referral=draft(cast, case),
        consent_override_basis="Court order 12/2026.",
    )
    services.referral_accept(actor=cast.partner, referral=referral)
    consent(cast, case, decision="withdrawn")
    assert Referral.objects.get(pk=referral.pk).status == "accepted"
    assert visible_codenames(cast.partner, case) == {"view_case"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE referrals_consentrecord SET decision = 'withdrawn'",
        "UPDATE referrals_consentrecord SET scope = ARRAY['identity', 'contact']",
        "DELETE FROM referrals_consentrecord",
    ],
)
def test_consent_records_are_append_only_in_the_database(cast, register, statement):
    case = register()
    consent(cast, case)
    with (
        pytest.raises(IntegrityError, match="insert-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    with pytest.raises(IntegrityError, match="insert-only"), transaction.atomic():
        ConsentRecord.objects.update(note="bulk rewrite")
    with pytest.raises(IntegrityError, match="insert-only"), transaction.atomic():
        ConsentRecord.objects.all().delete()
    record = ConsentRecord.objects.get()
    assert (record.decision, record.scope, record.note) == ("given", ["identity"], "")
