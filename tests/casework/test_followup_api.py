"""A post-exit follow-up review over the API, with the rules of the case page's form."""

import pytest
from django.urls import reverse

from casework import services
from casework.models import FollowUp, Review


@pytest.fixture
def followup(cast, case):
    """Closed as reintegrated: follow-ups at 6 and 12 months; the 6-month one."""
    services.case_close(
        actor=cast.social_worker,
        case=case,
        reason="reintegrated",
        note="",
        expected_version=case.version,
    )
    return FollowUp.objects.filter(case=case).order_by("months").first()


def url(followup):
    return reverse("api-case-followup", args=[followup.case_id, followup.pk])


def post(http, followup, **body):
    return http.post(url(followup), body, content_type="application/json")


def test_the_case_team_records_a_follow_up_review_once(cast, client_of, followup):
    http = client_of(cast.social_worker)

    response = post(http, followup, summary="Working at the textile works; housed.")
    again = post(http, followup, summary="Twice?")

    assert response.status_code == 201
    assert response.json()["summary"] == "Working at the textile works; housed."
    followup.refresh_from_db()
    assert followup.review_id == response.json()["id"]
    assert again.status_code == 404  # recorded: no longer a follow-up to record, as on the page
    assert Review.objects.filter(case=followup.case).count() == 1


def test_a_follow_up_without_a_summary_is_a_field_error(cast, client_of, followup):
    response = post(client_of(cast.social_worker), followup, summary="  ")

    assert response.status_code == 400
    assert "summary" in response.json()
    followup.refresh_from_db()
    assert followup.review_id is None


@pytest.mark.parametrize(("role", "status"), [("outsider", 404), ("police_liaison", 403)])
def test_others_may_not_record_a_follow_up(cast, client_of, followup, role, status):
    response = post(client_of(getattr(cast, role)), followup, summary="Seen in town.")

    assert response.status_code == status
    followup.refresh_from_db()
    assert followup.review_id is None


def test_a_follow_up_of_another_case_is_a_404(cast, client_of, followup, register):
    other = register()

    response = client_of(cast.social_worker).post(
        reverse("api-case-followup", args=[other.pk, followup.pk]),
        {"summary": "Wrong case."},
        content_type="application/json",
    )

    assert response.status_code == 404
