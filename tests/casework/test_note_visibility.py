"""The note visibility matrix: who reads a note of each visibility, through the
case page, the timeline (and its note search), and the API."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from casework import services
from casework.models import Note, NoteRevision
from tests.casework.helpers import note

# Readers, all of whom can see the case except the outsider.
READERS = ["author", "colleague", "program_manager", "police_liaison", "clinician", "partner"]
CAN_READ = {
    "case_team": {"author", "colleague", "program_manager"},
    "clinical": {"author", "clinician"},
    "police": {"author", "colleague", "program_manager", "police_liaison"},
    "all_agencies": set(READERS),
}


@pytest.fixture
def setting(cast, register, grant_view):
    case = register()
    for outside_reader in (cast.police_liaison, cast.clinician, cast.partner):
        grant_view(outside_reader, case)
    notes = {
        visibility: note(cast.social_worker, case, visibility, text=f"secret-{visibility}")
        for visibility in CAN_READ
    }
    users = {
        "author": cast.social_worker,
        "colleague": cast.colleague,
        "program_manager": cast.program_manager,
        "police_liaison": cast.police_liaison,
        "clinician": cast.clinician,
        "partner": cast.partner,
        "outsider": cast.outsider,
    }
    return case, notes, users


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("visibility", list(CAN_READ))
def test_matrix_through_pages_and_search(client_of, setting, reader, visibility):
    case, notes, users = setting
    client = client_of(users[reader])
    secret = f"secret-{visibility}"
    expected = reader in CAN_READ[visibility]

    case_page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    timeline = client.get(reverse("casework:timeline", args=[case.pk])).content.decode()
    search = client.get(reverse("casework:timeline", args=[case.pk]), {"q": secret})

    assert (secret in case_page) is expected
    assert (secret in timeline) is expected
    assert (len(search.context["entries"]) == 1) is expected


@pytest.mark.parametrize("visibility", list(CAN_READ))
def test_outsider_reads_nothing(client_of, setting, visibility):
    case, _notes, users = setting
    client = client_of(users["outsider"])
    assert client.get(reverse("casework:case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("casework:timeline", args=[case.pk])).status_code == 404


def test_author_amends_within_a_day_and_the_old_text_is_kept(cast, register):
    case = register()
    written = note(cast.social_worker, case, "case_team", text="Frist visit.")
    services.note_amend(actor=cast.social_worker, note=written, text="First visit.")
    written.refresh_from_db()
    assert written.text == "First visit."
    assert written.amended_at is not None
    assert list(NoteRevision.objects.values_list("text", flat=True)) == ["Frist visit."]


def test_only_the_author_amends(cast, register):
    case = register()
    written = note(cast.social_worker, case, "case_team")
    with pytest.raises(PermissionDenied):
        services.note_amend(actor=cast.colleague, note=written, text="Mine now.")


def test_after_a_day_a_note_is_corrected_by_a_new_note(cast, register):
    case = register()
    written = note(cast.social_worker, case, "case_team", text="Met on Monday.")
    Note.objects.filter(pk=written.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )
    written.refresh_from_db()
    with pytest.raises(ValidationError, match="24 hours"):
        services.note_amend(actor=cast.social_worker, note=written, text="Met on Tuesday.")
    correction = note(
        cast.social_worker, case, "case_team", text="It was Tuesday.", corrects=written
    )
    assert correction.corrects == written
    assert Note.objects.get(pk=written.pk).text == "Met on Monday."


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"text": "x" * 1_048_576}, "text"),
        ({"text": ""}, "text"),
        ({"visibility": "everyone"}, "visibility"),
        ({"kind": "gossip"}, "kind"),
        ({"occurred_at": timezone.now() + datetime.timedelta(days=3)}, "occurred_at"),
        ({"occurred_at": timezone.now() - datetime.timedelta(days=365 * 30)}, "occurred_at"),
    ],
)
def test_bad_notes_are_refused_and_nothing_is_written(cast, register, changes, field):
    case = register()
    params = {"visibility": "case_team", "text": "ok", **changes}
    with pytest.raises(ValidationError) as excinfo:
        note(cast.social_worker, case, params.pop("visibility"), text=params.pop("text"), **params)
    assert field in excinfo.value.message_dict
    assert not Note.objects.exists()


def test_a_megabyte_note_posted_to_the_page_gets_a_form_error(cast, client_of, register):
    case = register()
    response = client_of(cast.social_worker).post(
        reverse("casework:note_new", args=[case.pk]),
        {
            "kind": "contact",
            "occurred_at": "2024-01-01T10:00",
            "visibility": "case_team",
            "text": "x" * 1_048_576,
        },
    )
    assert response.status_code == 400
    assert "text" in response.context["form"].errors
    assert not Note.objects.exists()
