"""The bell and the notifications page: the unread count capped at "99+" at a cost
that does not grow with the unread rows, mark all read from the bell or the list,
the list filtered by kind, and each notification linking to where its work is."""

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Notification, NotificationKind
from notifications.services import notify
from referrals import services as referrals
from tests.conftest import SESSION_QUERIES
from tests.referrals.helpers import sent


def _tell(user, case, count, kind=NotificationKind.CASE_ASSIGNED):
    for i in range(count):
        notify(recipients=[user], kind=kind, case=case, key=f"test:{kind}:{i}")


@pytest.mark.parametrize("unread", [5, 150])
def test_the_bell_costs_the_same_at_5_and_150_unread(
    cast, client_of, case, django_assert_num_queries, unread
):
    _tell(cast.social_worker, case, unread)
    client = client_of(cast.social_worker)
    expected = [
        *SESSION_QUERIES[:3],
        "the person's email preferences (the page's form)",
        "header: user model permissions",
        "header: group model permissions",
        "header: unread count, SELECT COUNT(*) FROM (SELECT 1 … LIMIT 100)",
        "header: the user's groups with their agencies",
        *SESSION_QUERIES[-3:],
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("notification_preferences"))
    assert response.status_code == 200


def test_the_unread_count_reads_at_most_a_hundred_rows(cast, client_of, case):
    _tell(cast.social_worker, case, 3)
    with CaptureQueriesContext(connection) as queries:
        client_of(cast.social_worker).get(reverse("notification_preferences"))
    counts = [q["sql"] for q in queries if "COUNT(*)" in q["sql"] and "notification" in q["sql"]]
    assert len(counts) == 1
    assert "LIMIT 100" in counts[0]
    assert "ORDER BY" not in counts[0]  # a sort would read every unread row first


@pytest.mark.parametrize(("unread", "shown"), [(5, "5"), (99, "99"), (100, "99+"), (150, "99+")])
def test_the_bell_shows_the_unread_count_up_to_99_and_then_99_plus(
    cast, client_of, case, unread, shown
):
    _tell(cast.social_worker, case, unread)
    body = client_of(cast.social_worker).get(reverse("notification_preferences")).content.decode()
    assert f'<span aria-hidden="true">{shown}</span>' in body
    assert ("more than 99 unread" in body) == (shown == "99+")


def test_the_bell_marks_all_read_and_returns_to_the_page(cast, client_of, case):
    _tell(cast.social_worker, case, 3)
    _tell(cast.colleague, case, 2)
    client = client_of(cast.social_worker)
    here = reverse("casework:caseload") + "?q=x"
    body = client.get(here).content.decode()
    assert 'class="bell-read"' in body
    response = client.post(reverse("notifications"), {"next": here})
    assert response.status_code == 302
    assert response.url == here
    assert not Notification.objects.filter(recipient=cast.social_worker, read_at=None).exists()
    # Only the person's own.
    assert Notification.objects.filter(recipient=cast.colleague, read_at=None).count() == 2
    assert 'class="bell-read"' not in client.get(here).content.decode()


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example/", "caseload", ""])
def test_the_bell_goes_back_only_to_a_page_of_this_site(cast, client_of, case, back):
    _tell(cast.social_worker, case, 1)
    response = client_of(cast.social_worker).post(reverse("notifications"), {"next": back})
    assert response.url == reverse("notifications")


def test_the_list_filters_by_kind_and_unread(cast, client_of, case):
    _tell(cast.social_worker, case, 2, NotificationKind.REFERRAL_ACCEPTED)
    _tell(cast.social_worker, case, 3, NotificationKind.TRIAGE_APPROVED)
    client = client_of(cast.social_worker)
    url = reverse("notifications")
    page = client.get(url, {"kind": NotificationKind.TRIAGE_APPROVED})
    assert page.status_code == 200
    assert [n.kind for n in page.context["page"].object_list] == ["triage_approved"] * 3
    body = page.content.decode()
    assert body.count('data-kind="triage_approved"') == 3
    assert 'data-kind="referral_accepted"' not in body
    # The select offers every kind.
    for kind in NotificationKind.values:
        assert f'value="{kind}"' in body

    client.post(url)  # all read
    _tell(cast.social_worker, case, 1, NotificationKind.TASK_ASSIGNED)
    unread = client.get(url, {"unread": "on"})
    assert [n.kind for n in unread.context["page"].object_list] == ["task_assigned"]


def test_an_unknown_kind_is_an_error_on_the_page_not_a_crash(cast, client_of, case):
    _tell(cast.social_worker, case, 2)
    page = client_of(cast.social_worker).get(reverse("notifications"), {"kind": "no_such"})
    assert page.status_code == 400
    assert 'class="errorlist' in page.content.decode()
    assert not page.context["page"].object_list


def test_a_partner_is_sent_to_the_referral_in_their_inbox_and_the_sender_to_the_case(
    cast, client_of, case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = sent(cast, case)
    received = Notification.objects.get(recipient=cast.partner)
    assert received.url == f"{reverse('referrals:inbox')}#referral-{referral.pk}"
    partner = client_of(cast.partner)
    page = partner.get(reverse("notifications")).content.decode()
    assert f'href="{received.url}"' in page
    # The partner reads the referral there; the case stays closed to them until they accept.
    assert partner.get(received.url).status_code == 200
    assert partner.get(reverse("casework:case_detail", args=[case.pk])).status_code == 404
    # The email carries the same link.
    (to_partner,) = [m for m in mail.outbox if m.to == [cast.partner.email]]
    assert settings.SITE_URL + received.url in to_partner.body

    with django_capture_on_commit_callbacks(execute=True):
        referrals.referral_accept(actor=cast.partner, referral=referral)
    accepted = Notification.objects.get(kind=NotificationKind.REFERRAL_ACCEPTED)
    assert accepted.recipient == cast.social_worker
    case_page = reverse("casework:case_detail", args=[case.pk])
    assert accepted.url == f"{case_page}#referrals-h"
    assert client_of(cast.social_worker).get(accepted.url).status_code == 200
    (to_worker,) = [m for m in mail.outbox if m.to == [cast.social_worker.email]]
    assert settings.SITE_URL + accepted.url in to_worker.body


def test_a_lead_offer_is_answered_from_the_inbox(
    cast, client_of, case, django_capture_on_commit_callbacks
):
    referrals.lead_transfer_offer(actor=cast.program_manager, case=case, to_agency=cast.agency_b)
    offered = Notification.objects.get(kind=NotificationKind.TRANSFER_OFFERED)
    assert offered.recipient == cast.outsider_manager
    assert offered.url == reverse("referrals:inbox") + "#transfers-h"
    inbox = client_of(cast.outsider_manager).get(offered.url).content.decode()
    assert case.reference in inbox


def test_the_new_kinds_are_email_preferences_and_a_muted_kind_sends_no_mail(
    cast, client_of, case, django_capture_on_commit_callbacks
):
    client = client_of(cast.partner)
    page = client.get(reverse("notification_preferences")).content.decode()
    for kind in (NotificationKind.REFERRAL_RECEIVED, NotificationKind.TRANSFER_OFFERED):
        assert f'value="{kind}"' in page
    wanted = [k for k in NotificationKind.values if k != NotificationKind.REFERRAL_RECEIVED]
    assert client.post(reverse("notification_preferences"), {"email": wanted}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        sent(cast, case)
    received = Notification.objects.get(kind=NotificationKind.REFERRAL_RECEIVED)
    assert received.recipient == cast.partner
    assert received.emailed_at is not None  # settled: not wanted by email
    assert not mail.outbox
