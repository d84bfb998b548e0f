"""The accessibility checker itself, and the pages no journey passes through, each
checked with axe-core at phone width in Russian (the journeys check theirs)."""

import pytest

from tests.browser.conftest import check_accessibility, snap
from tests.casework.helpers import note

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_checker_fails_on_serious_violations(page):
    page.set_content(
        '<html lang="en"><body><main><h1>Form</h1>'
        '<div class="form-errors"><a href="#id_gone">Gone: required</a></div>'
        '<input type="text" name="unlabelled" aria-invalid="true">'
        '<p style="color:#bbb;background:#fff">Faint text</p></main></body></html>'
    )
    with pytest.raises(AssertionError) as failure:
        check_accessibility(page, "known-bad")
    message = str(failure.value)
    assert "label (critical)" in message
    assert "color-contrast (serious)" in message
    assert "input" in message  # the offending selector is named
    assert "error summary link #id_gone leads nowhere" in message
    assert "invalid field unlabelled has no description of its error" in message


@pytest.mark.parametrize("page", ["ru-phone"], indirect=True)
def test_other_pages_of_each_role(cast, page, login, register):
    case = register()
    note(cast.social_worker, case, "case_team")
    pages = {
        cast.social_worker: [
            ("timeline", f"/cases/{case.pk}/timeline/"),
            ("sent-referrals", "/referrals/sent/"),
            ("notifications", "/notifications/"),
            ("account-security", "/accounts/two-factor/"),
            ("close-case", f"/cases/{case.pk}/close/"),
        ],
        cast.auditor: [("audit-trail", "/audit/")],
    }
    for user, urls in pages.items():
        login(user)
        for name, url in urls:
            page.goto(url)
            snap(page, "other-pages-ru-phone", name)
            check_accessibility(page, f"other-pages/{name}")
        page.locator("header form[action='/accounts/logout/'] button").click()
