"""Recording consent from a draft referral's consent check returns to that referral."""

import html

import pytest
from django.urls import reverse

from referrals.models import ConsentRecord
from tests.referrals.helpers import draft


def consent_form(cast, **extra):
    return {
        "agency": cast.employer.pk,
        "purpose": "job_placement",
        "scope": ["identity"],
        "decision": "given",
        "given_by": "person",
        **extra,
    }


def test_the_consent_check_of_a_draft_links_to_the_consent_form_with_the_way_back(
    cast, case, client_of
):
    referral = draft(cast, case)
    send_url = reverse("referrals:referral_send", args=[case.pk, referral.pk])

    page = client_of(cast.social_worker).get(send_url).content.decode()

    consent_url = reverse("referrals:consent_new", args=[case.pk])
    link = next(
        html.unescape(part.split('"', 1)[0])
        for part in page.split('href="')
        if part.startswith(consent_url)
    )
    assert f"next={send_url}" in link


def test_recording_consent_from_a_draft_referral_returns_to_that_referral(cast, case, client_of):
    referral = draft(cast, case)
    send_url = reverse("referrals:referral_send", args=[case.pk, referral.pk])
    http = client_of(cast.social_worker)
    consent_url = reverse("referrals:consent_new", args=[case.pk])

    form_page = http.get(consent_url, {"agency": cast.employer.pk, "next": send_url})
    response = http.post(consent_url, consent_form(cast, next=send_url))

    assert f'name="next" value="{send_url}"' in form_page.content.decode()
    assert response.status_code == 302
    assert response.url == send_url
    assert ConsentRecord.objects.filter(case=case, agency=cast.employer).count() == 1
    # Back on the referral, the consent check now finds the consent just recorded.
    assert "Recorded consent covers this referral" in http.get(send_url).content.decode()


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example",
        "javascript:alert(1)",
        "http://testserver/cases/",  # our host, but not a path: only paths are followed
        "/cases/\x00",
        "/cases/\r\nSet-Cookie: a=b",
        "/" + "x" * 3000,
    ],
)
def test_a_next_that_is_not_a_path_of_this_site_is_ignored(cast, case, client_of, elsewhere):
    http = client_of(cast.social_worker)
    consent_url = reverse("referrals:consent_new", args=[case.pk])

    form_page = http.get(consent_url, {"next": elsewhere}).content.decode()
    response = http.post(consent_url, consent_form(cast, next=elsewhere))

    # The form carries no way back (the language switcher's own `next` is the page itself).
    assert form_page.count('name="next"') == 1
    assert f'name="next" value="{consent_url}' in form_page
    assert response.status_code == 302
    assert response.url == reverse("casework:case_detail", args=[case.pk])
    assert ConsentRecord.objects.filter(case=case).count() == 1


def test_without_a_next_recording_consent_returns_to_the_case(cast, case, client_of):
    response = client_of(cast.social_worker).post(
        reverse("referrals:consent_new", args=[case.pk]), consent_form(cast)
    )

    assert response.status_code == 302
    assert response.url == reverse("casework:case_detail", args=[case.pk])


def test_an_invalid_consent_form_keeps_the_way_back_and_saves_nothing(cast, case, client_of):
    referral = draft(cast, case)
    send_url = reverse("referrals:referral_send", args=[case.pk, referral.pk])

    response = client_of(cast.social_worker).post(
        reverse("referrals:consent_new", args=[case.pk]),
        consent_form(cast, decision="", next=send_url),
    )

    assert response.status_code == 400
    assert f'name="next" value="{send_url}"' in response.content.decode()
    assert not ConsentRecord.objects.filter(case=case).exists()
