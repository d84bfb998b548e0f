"""Sign-in throttling: a username from one address, and an address alone, get locked out;
an administrator unlocks. Failure messages never tell whether a username exists."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from tests.conftest import PASSWORD, post_password

INCORRECT = "Username or password is incorrect."
LOCKED = "Too many failed sign-in attempts. Try again later."


def sign_in(client, username, password, address="10.0.0.1"):
    return post_password(client, username, password, REMOTE_ADDR=address)


def signed_in(response) -> bool:
    return response.status_code == 302 and not response.url.startswith(reverse("login"))


def test_unknown_user_and_wrong_password_get_the_same_message(cast, client):
    unknown = sign_in(client, "nobody-here", "whatever-password")
    wrong = sign_in(client, cast.social_worker.username, "not-the-password")
    for response in (unknown, wrong):
        assert response.status_code == 200
        assert INCORRECT in response.content.decode()


def test_five_failures_lock_the_username_from_that_address(cast, client):
    username = cast.social_worker.username
    for _ in range(5):
        sign_in(client, username, "not-the-password")
    locked = sign_in(client, username, PASSWORD)
    assert locked.status_code == 429
    assert LOCKED in locked.content.decode()
    # The same person from another address, and another user from this one, still sign in.
    assert signed_in(sign_in(Client(), username, PASSWORD, address="10.0.0.2"))
    assert signed_in(sign_in(Client(), cast.colleague.username, PASSWORD))


def test_a_locked_out_unknown_user_reads_the_same_as_a_real_one(cast, client):
    for username in ("nobody-here", cast.social_worker.username):
        for _ in range(5):
            sign_in(client, username, "not-the-password")
    unknown = sign_in(client, "nobody-here", "whatever-password")
    real = sign_in(client, cast.social_worker.username, "whatever-password")
    assert unknown.status_code == real.status_code == 429
    assert unknown.content == real.content


@override_settings(LOCKOUT_ADDRESS_FAILURES=8)
def test_an_address_spraying_many_usernames_is_locked(cast, client):
    for n in range(8):
        sign_in(client, f"guess{n}", "Password1!")
    assert sign_in(client, cast.colleague.username, PASSWORD).status_code == 429
    assert signed_in(sign_in(Client(), cast.colleague.username, PASSWORD, address="10.0.0.9"))


def test_a_successful_sign_in_clears_earlier_failures(cast, client):
    username = cast.social_worker.username
    for _ in range(4):
        sign_in(client, username, "not-the-password")
    assert signed_in(sign_in(Client(), username, PASSWORD))
    for _ in range(4):
        sign_in(client, username, "not-the-password")
    assert signed_in(sign_in(Client(), username, PASSWORD))


def lock(username):
    for _ in range(5):
        sign_in(Client(), username, "not-the-password")
    assert sign_in(Client(), username, PASSWORD).status_code == 429


def test_an_administrator_unlocks_in_the_admin(cast, admin_client):
    lock(cast.social_worker.username)
    attempt = AccessAttempt.objects.get(username=cast.social_worker.username)
    listing = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert cast.social_worker.username in listing.content.decode()
    deleted = admin_client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert signed_in(sign_in(Client(), cast.social_worker.username, PASSWORD))


@pytest.mark.parametrize("command", ["axes_reset_username"])
def test_an_administrator_unlocks_from_the_command_line(cast, command):
    lock(cast.social_worker.username)
    call_command(command, cast.social_worker.username)
    assert signed_in(sign_in(Client(), cast.social_worker.username, PASSWORD))
