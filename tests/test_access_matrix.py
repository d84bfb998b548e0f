"""The access matrix of docs/access.md (its rows: tests/matrix.py), asserted over HTTP
for every page and endpoint, against the shared `world` (tests/conftest.py). Each
request is rolled back, so one role's write never changes what the next one sees.
`test_every_url_has_a_row` fails when a URL is added without one.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import URLResolver, get_resolver, reverse

from tests.matrix import MATRIX, OK, ROLES, URL_KWARGS, request_as


def all_url_names():
    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name == "admin":
                    continue
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    return set(walk(get_resolver().url_patterns))


def test_every_url_has_a_row():
    assert all_url_names() == set(MATRIX)


def check(name, role, expected, response) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"{role}: server error {status}"
    if expected == OK:
        return None if status not in (401, 403, 404) else f"{role}: refused with {status}"
    if expected == "login":
        if name.startswith("api-"):
            return None if status in (401, 403) else f"anonymous: {status}, expected 401/403"
        signs_in = status == 302 and response.url.startswith(reverse("login"))
        return None if signs_in else f"anonymous: {status}, expected a redirect to sign in"
    allowed = expected if isinstance(expected, tuple) else (expected,)
    return None if status in allowed else f"{role}: {status}, expected {allowed}"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access_matrix(cast, client, client_of, world, name):
    method, profile, keys = MATRIX[name]
    url = reverse(name, kwargs={URL_KWARGS.get(k, k): world[k] for k in keys})
    problems = []
    for role in ROLES:
        response = request_as(cast, client, client_of, role, name, method, url)
        if problem := check(name, role, profile.get(role, "login"), response):
            problems.append(problem)
    assert not problems, f"{method.upper()} {name}: " + "; ".join(problems)


# --- The superuser: there is none -------------------------------------------------------
# Django lets an active superuser pass every role check; Homeward's administrators hold
# the administrator role instead (rows above) and the database refuses the flag, so no
# account can widen its access to case content, the audit trail or reports that way.


def test_the_database_refuses_a_superuser(cast):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        get_user_model().objects.create_superuser("root2", "root2@homeward.example", None)
    with pytest.raises(IntegrityError), transaction.atomic():
        get_user_model().objects.filter(pk=cast.administrator.pk).update(is_superuser=True)


def test_the_administrator_reads_no_case_trail_or_report(cast, client_of, world):
    http = client_of(cast.administrator)
    for name, kwargs in [
        ("casework:case_detail", {"case_id": world["case_id"]}),
        ("api-case-detail", {"case_id": world["case_id"]}),
        ("audit:events", {}),
        ("casework:case_access_log", {"case_id": world["case_id"]}),
        ("reports:report", {}),
        ("api-report-rows", {}),
        ("intake:duplicate_check", {}),
    ]:
        method = "post" if name == "intake:duplicate_check" else "get"
        assert getattr(http, method)(reverse(name, kwargs=kwargs)).status_code == 403, name
    assert http.get(reverse("admin:index")).status_code == 200
