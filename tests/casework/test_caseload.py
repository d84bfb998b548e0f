import datetime

import pytest
from django.urls import reverse

from casework.views import CASELOAD_PAGE_SIZE
from tests.casework.helpers import case_page_queries, make_cases
from tests.conftest import SESSION_QUERIES

CASELOAD = reverse("casework:caseload")
CASE_LIST_API = reverse("api-case-list")


@pytest.mark.parametrize("rows", [5, 50])
def test_caseload_page_query_count_does_not_grow_with_rows(
    cast, client_of, register, django_assert_num_queries, rows
):
    make_cases(register, rows)
    client = client_of(cast.social_worker)
    expected = [
        *SESSION_QUERIES,
        "COUNT of visible cases (paginator)",
        "one page of cases joined with returnee, lead agency and worker",
        "header: unread notification count",
        "header: the user's groups with their agencies",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(CASELOAD)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(rows, CASELOAD_PAGE_SIZE)


@pytest.mark.parametrize("rows", [5, 50])
def test_case_list_api_query_count_does_not_grow_with_rows(
    cast, client_of, register, django_assert_num_queries, rows
):
    make_cases(register, rows)
    client = client_of(cast.social_worker)
    expected = [
        *SESSION_QUERIES,
        "COUNT of visible cases (paginator)",
        "one page of cases joined with returnee, lead agency and worker",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(CASE_LIST_API)
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


def test_case_page_query_count(cast, client_of, register, django_assert_num_queries):
    mother = register(sex="female")
    make_cases(register, 3, parent_case=mother)
    child = register(parent_case=mother)
    client = client_of(cast.social_worker)
    expected = [*SESSION_QUERIES, *case_page_queries(child=True)]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("casework:case_detail", args=[child.pk]))
    assert response.status_code == 200


def test_caseload_lists_newest_first_and_paginates(cast, client_of, register):
    make_cases(register, CASELOAD_PAGE_SIZE + 3)
    client = client_of(cast.social_worker)

    first = client.get(CASELOAD)
    second = client.get(CASELOAD, {"page": 2})
    junk = client.get(CASELOAD, {"page": "junk"})

    ids = [c.pk for c in first.context["page"].object_list]
    assert ids == sorted(ids, reverse=True)
    assert len(second.context["page"].object_list) == 3
    assert junk.status_code == 200
    assert junk.context["page"].number == 1


@pytest.mark.parametrize(
    "text", ["Абдуллаев", "abdullaev", "ABDULLAYEV", "Тимур Абдуллаев", "abdul"]
)
def test_search_finds_a_name_in_either_script(cast, client_of, register, text):
    wanted = register(given_name="Тимур", family_name="Абдуллаев")
    register(given_name="Bakyt", family_name="Toktogulov")

    page = client_of(cast.social_worker).get(CASELOAD, {"q": text})
    api = client_of(cast.social_worker).get(CASE_LIST_API, {"q": text}).json()

    assert [c.pk for c in page.context["page"].object_list] == [wanted.pk]
    assert [row["id"] for row in api["results"]] == [wanted.pk]


@pytest.mark.parametrize("form", ["HW-{id:06d}", "hw-{id}", "{id}"])
def test_search_finds_a_reference(cast, client_of, register, form):
    cases = make_cases(register, 3)
    wanted = cases[1]

    page = client_of(cast.social_worker).get(CASELOAD, {"q": form.format(id=wanted.pk)})

    assert [c.pk for c in page.context["page"].object_list] == [wanted.pk]


def test_filters_by_region_status_and_assignment(cast, client_of, register):
    osh = register(region="osh_city")
    mine = register(region="bishkek")
    colleagues = register(actor=cast.colleague, region="bishkek")
    client = client_of(cast.social_worker)

    def ids(params):
        response = client.get(CASELOAD, params)
        assert response.status_code == 200
        return {c.pk for c in response.context["page"].object_list}

    assert ids({}) == {osh.pk, mine.pk, colleagues.pk}
    assert ids({"region": "osh_city"}) == {osh.pk}
    assert ids({"mine": "on"}) == {osh.pk, mine.pk}
    assert ids({"status": "closed"}) == set()
    assert ids({"status": "open", "region": "bishkek"}) == {mine.pk, colleagues.pk}


@pytest.mark.parametrize(
    "params", [{"region": "atlantis"}, {"status": "lost"}, {"q": "x" * 5000}, {"q": "\x00"}]
)
def test_bad_filters_do_not_crash(cast, client_of, register, params):
    register()
    page = client_of(cast.social_worker).get(CASELOAD, params)
    api = client_of(cast.social_worker).get(CASE_LIST_API, params)
    assert page.status_code == 200
    assert api.status_code == 400


def test_case_page_shows_identity_and_intake(cast, client_of, register):
    case = register(
        given_name="Айгерим",
        family_name="Садыкова",
        aliases=["Umm Aisha"],
        birth_date=None,
        approximate_age=34,
        departure_date=datetime.date(2014, 6, 1),
        needs=["housing", "psychological"],
    )
    content = client_of(cast.social_worker).get(reverse("casework:case_detail", args=[case.pk]))
    text = content.content.decode()
    for expected in ("Садыкова", "Айгерим", "Umm Aisha", "about 34", "Housing", "Psychological"):
        assert expected in text
