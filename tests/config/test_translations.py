"""Russian and Kyrgyz: complete catalogues, the language switcher that remembers
each person's choice, dates and numbers in their locale, and mail in the
recipient's language (issue 8). English is the source language."""

import datetime
import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from agencies.models import StaffPreference
from agencies.services import staff_language_set
from tests.conftest import PASSWORD, post_password

LANGUAGES = ["ru", "ky"]
LOCALE = Path(settings.BASE_DIR) / "config" / "locale"
IGNORED = [".venv", "node_modules", "tests", "staticfiles", "test-artifacts"]
# makemessages writes into any directory named `locale` it walks past: keep it off ours.
IGNORED_FOR_MAKEMESSAGES = [*IGNORED, "config/locale"]


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def live(po: polib.POFile):
    return [e for e in po if not e.obsolete]


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    """The .mo files are built, not committed (`make messages`): build them here too,
    so running this module alone sees the current translations."""
    call_command("compilemessages", locale=LANGUAGES, ignore_patterns=IGNORED, verbosity=0)
    translation.trans_real._translations = {}
    translation.trans_real._default = None


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    po = catalogue(language)
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [], f"{language}: untranslated {untranslated}"
    assert fuzzy == [], f"{language}: fuzzy {fuzzy}"
    assert len(live(po)) > 900


def test_makemessages_would_add_nothing(tmp_path, monkeypatch):
    """A person-facing string added to the code without a translation turns this red:
    makemessages, run over the sources into a copy of the catalogues, finds no msgid
    the committed catalogues lack."""
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE, copy, ignore=shutil.ignore_patterns("*.mo"))
    before = {path: path.read_bytes() for path in LOCALE.glob("*/LC_MESSAGES/django.po")}
    monkeypatch.chdir(settings.BASE_DIR)
    with override_settings(LOCALE_PATHS=[copy]):
        call_command(
            "makemessages",
            locale=LANGUAGES,
            ignore_patterns=IGNORED_FOR_MAKEMESSAGES,
            no_obsolete=True,
            verbosity=0,
        )
    assert {path: path.read_bytes() for path in before} == before, "left our catalogues alone"
    for language in LANGUAGES:
        committed = {(e.msgctxt, e.msgid) for e in live(catalogue(language))}
        fresh = polib.pofile(str(copy / language / "LC_MESSAGES" / "django.po"))
        found = {(e.msgctxt, e.msgid) for e in live(fresh)}
        assert found - committed == set(), f"{language}: run makemessages and translate"
        assert committed - found == set(), f"{language}: messages no longer in the code"


@pytest.mark.parametrize("language", LANGUAGES)
def test_msgfmt_accepts_the_format_strings(language):
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        [
            shutil.which("msgfmt") or "/usr/bin/msgfmt",
            "--check-format",
            "--check-header",
            "-o",
            "/dev/null",
            str(path),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


FORMAT_TOKEN = re.compile(r"%\([a-z_]+\)[sdi]|%%|\{\{[^}]*\}\}|<[^>]+>")


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_and_markup_are_kept_exactly(language):
    """Each translation keeps every %(name)s and HTML tag of its English, no more."""
    wrong = []
    for entry in live(catalogue(language)):
        if entry.msgid_plural:
            expected = sorted(FORMAT_TOKEN.findall(entry.msgid_plural))
            forms = entry.msgstr_plural.values()
        else:
            expected = sorted(FORMAT_TOKEN.findall(entry.msgid))
            forms = [entry.msgstr]
        for form in forms:
            if sorted(FORMAT_TOKEN.findall(form)) != expected:
                wrong.append((entry.msgid, form))
    assert wrong == []


def test_russian_plurals_have_four_forms_and_kyrgyz_one():
    for language, count in (("ru", 4), ("ky", 1)):
        for entry in live(catalogue(language)):
            if entry.msgid_plural:
                assert len(entry.msgstr_plural) == count, (language, entry.msgid)


def switch(client: Client, language: str, back_to: str):
    return client.post(reverse("language"), {"language": language, "next": back_to})


def test_the_switcher_remembers_the_choice_across_sign_ins(cast, client_of):
    worker = cast.social_worker
    client = client_of(worker)
    caseload = reverse("casework:caseload")
    page = client.get(caseload)
    assert "My caseload" in page.content.decode()
    assert 'action="/accounts/language/"' in page.content.decode()

    answer = switch(client, "ru", caseload)
    assert answer.status_code == 302
    assert answer["Location"] == caseload
    assert StaffPreference.objects.get(user=worker).language == "ru"
    body = client.get(caseload).content.decode()
    assert '<html lang="ru">' in body
    assert "Мой список дел" in body
    assert "Выйти" in body

    client.post(reverse("logout"))
    fresh = Client()  # another browser: no cookie, an English Accept-Language
    post_password(fresh, worker.username, PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    body = fresh.get(caseload, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Мой список дел" in body

    switch(fresh, "ky", caseload)
    body = fresh.get(caseload).content.decode()
    assert '<html lang="ky">' in body
    assert "Менин иштеримдин тизмеси" in body
    assert StaffPreference.objects.get(user=worker).language == "ky"


def test_the_switcher_refuses_other_languages_and_other_sites(cast, client_of):
    client = client_of(cast.social_worker)
    answer = switch(client, "de", "https://evil.example/")
    assert answer.status_code == 302
    assert answer["Location"] == "/"
    assert not StaffPreference.objects.filter(user=cast.social_worker).exists()


def test_a_choice_only_applies_to_its_own_person(cast, client_of):
    staff_language_set(actor=cast.social_worker, language="ru")
    body = client_of(cast.colleague).get(reverse("casework:caseload")).content.decode()
    assert "My caseload" in body


def test_the_sign_in_page_follows_the_browser_and_the_switcher(db):
    assert "Кирүү" in Client().get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ky").content.decode()
    assert "Вход" in Client().get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    anonymous = Client()
    switch(anonymous, "ru", reverse("login"))
    assert "Вход" in anonymous.get(reverse("login")).content.decode()


def test_dates_and_numbers_follow_the_language(cast, client_of, register):
    case = register(birth_date=datetime.date(1990, 3, 5))
    staff_language_set(actor=cast.social_worker, language="ru")
    client = client_of(cast.social_worker)
    detail = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "5 марта 1990 г." in detail
    with translation.override("ky"):
        from django.contrib.humanize.templatetags.humanize import intcomma

        assert intcomma(12345) == "12\xa0345"
    staff_language_set(actor=cast.social_worker, language="ky")
    client = client_of(cast.social_worker)
    detail = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "5 Март 1990 ж." in detail  # Django's Kyrgyz month names are capitalised


def test_the_dashboard_groups_numbers_in_russian(cast, client_of, register):
    register()
    staff_language_set(actor=cast.program_manager, language="ru")
    body = client_of(cast.program_manager).get(reverse("reports:dashboard")).content.decode()
    assert "Панель программы" in body
    assert "Принято, %" in body


def test_notification_mail_goes_out_in_the_recipients_language(cast, register):
    from notifications.models import Notification, NotificationKind
    from notifications.tasks import send_notification_emails

    case = register()
    staff_language_set(actor=cast.social_worker, language="ru")
    staff_language_set(actor=cast.colleague, language="ky")
    due = datetime.date(2026, 3, 5)
    russian = Notification.objects.create(
        recipient=cast.social_worker, case=case, kind=NotificationKind.REVIEW_DUE, due_on=due
    )
    kyrgyz = Notification.objects.create(
        recipient=cast.colleague, case=case, kind=NotificationKind.REVIEW_UPCOMING, due_on=due
    )
    english = Notification.objects.create(
        recipient=cast.program_manager, case=case, kind=NotificationKind.REVIEW_DUE, due_on=due
    )
    assert send_notification_emails([russian.pk, kyrgyz.pk, english.pk]) == 3
    by_recipient = {m.to[0].split("@")[0]: m for m in mail.outbox}
    assert by_recipient["aigul"].subject == f"Пересмотр дела {case.reference} — срок сегодня"
    assert "Откройте дело в Homeward" in by_recipient["aigul"].body
    assert "5 Март 2026 ж." in by_recipient["nurbek"].subject
    assert by_recipient["gulmira"].subject == f"Review of case {case.reference} is due today"
