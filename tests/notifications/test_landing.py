"""Signing in lands each role where its work is (config.views.LANDING)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from agencies.models import Role
from agencies.services import staff_member_create
from tests.conftest import PASSWORD, post_password

LANDS_ON = {
    "social_worker": "casework:caseload",
    "program_manager": "reports:dashboard",
    "police_liaison": "casework:flags_board",
    "partner": "referrals:inbox",
    "clinician": "referrals:inbox",  # partner staff of a health service
    "auditor": "audit:events",
    "administrator": "admin:index",
}


@pytest.mark.parametrize("role", sorted(LANDS_ON))
def test_each_role_lands_where_its_work_is(cast, client_of, role):
    client = client_of(getattr(cast, role))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse(LANDS_ON[role])
    assert client.get(response.url).status_code == 200


def test_a_partner_signing_in_lands_on_the_referral_inbox(cast, client):
    response = post_password(client, "samat", PASSWORD, follow=True)
    assert response.redirect_chain[-1][0] == reverse("referrals:inbox")
    assert response.status_code == 200


def test_a_program_manager_who_also_works_cases_lands_on_the_dashboard(cast, client_of):
    cast.program_manager.groups.add(Group.objects.get(name=Role.SOCIAL_WORKER))
    assert client_of(cast.program_manager).get(reverse("home")).url == reverse("reports:dashboard")


def test_someone_without_a_role_lands_on_their_notifications(cast, client_of):
    nobody = staff_member_create(
        actor=None,
        username="no.role",
        password=None,
        password_hash="!",
        role=Role.PARTNER_STAFF,
        agencies=[cast.employer],
    )
    nobody.groups.remove(Group.objects.get(name=Role.PARTNER_STAFF))
    response = client_of(nobody).get(reverse("home"))
    assert response.url == reverse("notifications")


def test_a_visitor_is_asked_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("login")
