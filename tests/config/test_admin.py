"""The admin is for administrators only, with a verified second factor; it manages users,
agencies and configuration, and shows no case content."""

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from casework.models import Case
from returnees.models import Returnee

NOT_ADMINISTRATORS = [
    "social_worker",
    "program_manager",
    "police_liaison",
    "partner",
    "auditor",
    "outsider",
]


@pytest.mark.parametrize("role", NOT_ADMINISTRATORS)
def test_other_roles_are_refused_even_with_the_staff_flag(cast, client_of, role):
    user = getattr(cast, role)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    http = client_of(user)
    for url in [reverse("admin:index"), reverse("admin:auth_user_changelist")]:
        assert http.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_the_sign_in(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    follow = client.get(response.url)
    assert follow.status_code == 302
    assert follow.url.startswith(reverse("login"))


def test_an_administrator_with_a_second_factor_gets_in(admin_client):
    assert admin_client.get(reverse("admin:index")).status_code == 200
    for name in [
        "admin:auth_user_changelist",
        "admin:auth_group_changelist",
        "admin:agencies_agency_changelist",
        "admin:axes_accessattempt_changelist",
        "admin:otp_totp_totpdevice_changelist",
    ]:
        assert admin_client.get(reverse(name)).status_code == 200, name


def test_an_administrator_without_a_verified_second_factor_is_sent_to_enrol(
    cast, unverified_client_of
):
    response = unverified_client_of(cast.administrator).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url == reverse("two_factor:setup")


def test_case_content_is_not_in_the_admin(admin_client, register):
    case = register()
    for model in (Case, Returnee):
        assert not admin.site.is_registered(model)
    content_apps = {"casework", "returnees"}
    assert not [m for m in admin.site._registry if m._meta.app_label in content_apps]
    with pytest.raises(NoReverseMatch):
        reverse("admin:casework_case_change", args=[case.pk])
    assert admin_client.get(f"/admin/casework/case/{case.pk}/change/").status_code == 404
    assert admin_client.get("/admin/returnees/returnee/").status_code == 404


def test_api_tokens_are_not_issued_in_the_admin():
    from rest_framework.authtoken.models import Token, TokenProxy

    assert not admin.site.is_registered(TokenProxy)
    assert not admin.site.is_registered(Token)


def test_the_user_form_has_no_superuser_flag(admin_client, cast):
    page = admin_client.get(reverse("admin:auth_user_change", args=[cast.social_worker.pk]))
    assert page.status_code == 200
    assert b'name="is_superuser"' not in page.content
    assert b'name="groups"' in page.content


def test_roles_are_shown_not_edited_in_the_admin(admin_client):
    from django.contrib.auth.models import Group

    role = Group.objects.get(name="auditor")
    page = admin_client.get(reverse("admin:auth_group_change", args=[role.pk]))
    assert page.status_code == 200
    assert b'name="permissions"' not in page.content


def test_create_administrator_makes_an_administrator(db, monkeypatch):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a long enough passphrase 2026")
    call_command("create_administrator", "keeper", "--email", "keeper@homeward.example")
    keeper = get_user_model().objects.get(username="keeper")
    assert keeper.is_staff
    assert not keeper.is_superuser
    assert list(keeper.groups.values_list("name", flat=True)) == ["administrator"]
    assert not keeper.has_perm("casework.view_case")
    assert not keeper.has_perm("audit.view_auditevent")


def test_an_administrator_does_not_change_their_own_roles_or_grants(admin_client, cast):
    page = admin_client.get(reverse("admin:auth_user_change", args=[cast.administrator.pk]))
    assert page.status_code == 200
    for field in (b'name="groups"', b'name="user_permissions"', b'name="is_active"'):
        assert field not in page.content, field


def test_the_only_grant_a_person_is_given_in_the_admin_is_the_identified_export(admin_client, cast):
    page = admin_client.get(reverse("admin:auth_user_change", args=[cast.program_manager.pk]))
    form = page.context["adminform"].form
    offered = {p.codename for p in form.fields["user_permissions"].queryset}
    assert offered == {"export_identified"}


def test_an_agencys_kind_is_set_once(admin_client, cast):
    page = admin_client.get(reverse("admin:agencies_agency_change", args=[cast.employer.pk]))
    assert page.status_code == 200
    assert b'name="kind"' not in page.content
    assert b'name="kind"' in admin_client.get(reverse("admin:agencies_agency_add")).content
