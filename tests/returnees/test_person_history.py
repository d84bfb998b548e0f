"""The history of each field of the person (read from the audit trail), for the case
team only; and a change of legal status on the case timeline, for the readers of the
return and legal part only."""

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from casework.parts import NOBODY, RULES, Part, Rule
from intake.services import person_update
from returnees.models import Returnee
from tests.casework.helpers import triage
from tests.conftest import SESSION_QUERIES


def history_url(case):
    return reverse("intake:person_history", args=[case.pk])


def update(actor, case, **changes):
    returnee = Returnee.objects.get(pk=case.returnee_id)
    return person_update(actor=actor, case=case, expected_version=returnee.version, changes=changes)


def test_the_team_reads_what_each_field_was_who_changed_it_and_when(cast, client_of, case):
    before = Returnee.objects.get(pk=case.returnee_id)
    update(cast.colleague, case, given_name="Timurbek", sex="female")
    update(cast.social_worker, case, legal_status="charged")

    response = client_of(cast.social_worker).get(history_url(case))

    assert response.status_code == 200
    newest, older = response.context["changes"]
    assert [(c.label, c.before, c.after) for c in newest.changes] == [
        ("Legal status", "None", "Charged")  # choices by their label
    ]
    assert newest.actor == "Aigul Sadykova"
    assert [(c.name, c.before, c.after) for c in older.changes] == [
        ("given_name", before.given_name, "Timurbek"),
        ("sex", "Male", "Female"),
    ]
    assert older.actor == "Nurbek Asanov"
    page = response.content.decode()
    # When, in the reader's time zone.
    assert formats.date_format(timezone.localtime(newest.at), "DATETIME_FORMAT") in page
    assert "Timurbek" in page
    assert "Nurbek Asanov" in page


def test_the_history_api_gives_the_same_changes_with_stored_values(cast, client_of, case):
    update(cast.social_worker, case, languages=["ru", "ar"], departure_date=None)
    response = client_of(cast.social_worker).get(reverse("api-case-person-history", args=[case.pk]))
    assert response.status_code == 200
    (change,) = response.json()["results"]
    assert change["actor"] == "Aigul Sadykova"
    by_name = {c["name"]: c for c in change["changes"]}
    assert set(by_name) == {"languages", "departure_date"}
    assert by_name["languages"]["after"] == "Russian, Arabic"
    assert by_name["languages"]["new"] == ["ru", "ar"]
    assert by_name["departure_date"]["old"] == "2014-05-01"
    assert (by_name["departure_date"]["new"], by_name["departure_date"]["after"]) == (None, "—")


@pytest.mark.parametrize("reader", ["police_liaison", "partner"])
def test_the_history_is_not_for_police_or_partners(cast, client_of, case, grant_view, reader):
    update(cast.social_worker, case, phone="+996 700 123123")
    user = getattr(cast, reader)
    grant_view(user, case, ["view_case", "view_case_contact", "view_case_triage"])
    http = client_of(user)
    assert http.get(reverse("casework:case_detail", args=[case.pk])).status_code == 200
    assert http.get(history_url(case)).status_code == 404
    api = http.get(reverse("api-case-person-history", args=[case.pk]))
    assert api.status_code == 404
    assert "700 123123" not in api.content.decode()


def test_the_history_shows_only_the_fields_of_parts_the_reader_reads(
    cast, client_of, case, monkeypatch
):
    """Were the needs screen not the team's to read, its changes would not be told."""
    update(cast.social_worker, case, needs=["income"])
    update(cast.social_worker, case, phone="+996 700 000003")
    needs = RULES[Part.NEEDS]
    monkeypatch.setitem(
        RULES, Part.NEEDS, Rule(read=NOBODY, write=needs.write, fields=needs.fields)
    )
    changes = client_of(cast.social_worker).get(history_url(case)).context["changes"]
    assert [[c.name for c in change.changes] for change in changes] == [["phone"]]


@pytest.mark.parametrize("saves", [3, 20])
def test_history_page_query_count_is_constant(
    cast, client_of, case, django_assert_num_queries, saves
):
    for i in range(saves):
        update(cast.social_worker if i % 2 else cast.colleague, case, phone=f"+996 700 {i:06}")
    client = client_of(cast.social_worker)
    expected = [
        *SESSION_QUERIES[:5],
        "the case through the access funnel",
        "the reader's object permissions, roles and agency kinds",
        "COUNT of the person's changes (paginator)",
        "one page of the person's changes from the audit trail",
        "the names of who made them",
        "header: unread notification count",
        "header: the user's groups with their agencies",
        "audit: INSERT of the read event (by AuditMiddleware, after the view)",
        *SESSION_QUERIES[5:],
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(history_url(case))
    assert response.status_code == 200
    assert len(response.context["changes"]) == min(saves, 25)


# --- Legal status on the timeline ---------------------------------------------------------------


def test_a_legal_status_change_is_on_the_timeline_of_the_return_and_legal_readers_only(
    cast, client_of, case, grant_view
):
    triage(cast.social_worker, case, "unsettled")
    update(cast.social_worker, case, legal_status="under_investigation")
    update(cast.social_worker, case, phone="+996 700 000004")  # no entry of its own

    team = client_of(cast.social_worker)
    page = team.get(reverse("casework:timeline", args=[case.pk]))
    entries = [e for e in page.context["entries"] if e["kind"] == "legal_status"]
    assert len(entries) == 1
    assert "Legal status changed from None to Under investigation" in page.content.decode()
    api = team.get(reverse("api-case-timeline", args=[case.pk]), {"kind": "legal_status"})
    (entry,) = api.json()["results"]
    assert (entry["before"], entry["after"], entry["actor"]) == (
        "none",
        "under_investigation",
        "Aigul Sadykova",
    )

    grant_view(cast.police_liaison, case)
    police = client_of(cast.police_liaison)
    page = police.get(reverse("casework:timeline", args=[case.pk]))
    assert page.status_code == 200
    assert "legal_status" not in [e["kind"] for e in page.context["entries"]]
    assert "legal_status" not in dict(page.context["kinds"])
    assert "Under investigation" not in page.content.decode()
    api = police.get(reverse("api-case-timeline", args=[case.pk]))
    assert "legal_status" not in [e["kind"] for e in api.json()["results"]]


@pytest.mark.parametrize("saves", [3, 20])
def test_history_api_query_count_is_constant(
    cast, client_of, case, django_assert_num_queries, saves
):
    for i in range(saves):
        update(cast.social_worker if i % 2 else cast.colleague, case, phone=f"+996 700 {i:06}")
    client = client_of(cast.social_worker)
    expected = [
        *SESSION_QUERIES,
        "the case through the access funnel",
        "the reader's object permissions, roles and agency kinds",
        "COUNT of the person's changes (paginator)",
        "one page of the person's changes from the audit trail",
        "the names of who made them",
        "audit: INSERT of the read event (by AuditMiddleware, after the view)",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("api-case-person-history", args=[case.pk]))
    assert response.status_code == 200
    assert len(response.json()["results"]) == saves
