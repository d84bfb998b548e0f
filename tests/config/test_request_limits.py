"""A request body over Django's upload limits (DATA_UPLOAD_MAX_MEMORY_SIZE,
DATA_UPLOAD_MAX_NUMBER_FIELDS): a person gets the form back with a message saying
why, an API client a 400 whose detail says so; nothing is saved either way."""

import json

from django.conf import settings
from django.urls import reverse

from casework.models import Note


def over_the_size_limit() -> str:
    return "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)


def too_many_fields() -> dict[str, str]:
    return {f"field{i}": "1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}


def csrf_checked(http):
    """As in production: the CSRF check reads the post before any view does."""
    http.handler.enforce_csrf_checks = True
    return http


def test_a_note_over_the_size_limit_gives_the_note_form_back_with_a_message(cast, client_of, case):
    http = csrf_checked(client_of(cast.social_worker))
    page = reverse("casework:note_new", args=[case.pk])
    form = http.get(page)
    assert form.status_code == 200
    answer = http.post(
        page,
        {"kind": "contact", "text": over_the_size_limit()},
        HTTP_REFERER=f"http://testserver{page}",
    )
    assert answer.status_code == 302
    assert answer.url == f"http://testserver{page}"
    again = http.get(answer.url)
    assert again.status_code == 200
    assert again.context["form"].fields.keys() == form.context["form"].fields.keys()
    body = again.content.decode()
    assert "What you sent is larger than 2.5\xa0MB" in body
    assert 'class="message error"' in body
    assert not Note.objects.filter(case=case).exists()


def test_too_many_fields_give_the_form_back_at_its_own_address_without_a_referer(
    cast, client_of, case
):
    http = csrf_checked(client_of(cast.social_worker))
    page = reverse("casework:note_new", args=[case.pk])
    answer = http.post(page, too_many_fields(), follow=True)
    assert answer.redirect_chain == [(page, 302)]
    assert answer.status_code == 200
    assert "more fields or files than we accept" in answer.content.decode()
    assert not Note.objects.filter(case=case).exists()


def test_a_referer_from_elsewhere_is_not_followed(cast, client_of, case):
    page = reverse("casework:note_new", args=[case.pk])
    answer = client_of(cast.social_worker).post(
        page, too_many_fields(), HTTP_REFERER="https://elsewhere.example/"
    )
    assert answer.url == page


def test_the_api_answers_a_body_over_the_limit_with_a_400_saying_so(cast, client_of, case):
    http = client_of(cast.social_worker)
    url = reverse("api-case-notes", args=[case.pk])
    note = {
        "kind": "contact",
        "occurred_at": "2026-01-01T10:00:00Z",
        "text": over_the_size_limit(),
        "visibility": "team",
    }
    too_big = http.post(url, json.dumps(note), content_type="application/json")
    assert too_big.status_code == 400
    assert too_big.headers["Content-Type"] == "application/json"
    assert too_big.json()["detail"].startswith("What you sent is larger than 2.5\xa0MB")
    fields = "&".join(f"{name}=1" for name in too_many_fields())
    many = http.post(url, fields, content_type="application/x-www-form-urlencoded")
    assert many.status_code == 400
    assert "more fields or files" in many.json()["detail"]
    assert not Note.objects.filter(case=case).exists()
