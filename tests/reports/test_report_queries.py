"""Query counts of the dashboard, the report page and the report API: pinned, and
not growing with the number of cases."""

import pytest
from django.urls import reverse

from tests.casework.helpers import make_cases
from tests.conftest import SESSION_QUERIES

AGGREGATE_QUERIES = [
    "tiles: one COUNT … FILTER per tile over the visible, filtered cases",
    "cases GROUP BY region and category",
    "intakes GROUP BY month",
    "closures GROUP BY month",
    "referrals GROUP BY receiving agency kind, with the percentile_cont median",
    "outcomes: cases with an achieved employment / education / housing goal",
]
HEADER = [
    "header: the user's groups with their agencies",
    "header: unread notification count",
]


@pytest.mark.parametrize("rows", [3, 30])
def test_dashboard_query_count_does_not_grow_with_rows(
    cast, client_of, register, django_assert_num_queries, rows
):
    make_cases(register, rows)
    client = client_of(cast.program_manager)
    expected = [
        *SESSION_QUERIES,
        *AGGREGATE_QUERIES,
        *HEADER,
        "the lead-agency choices of the filter form",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [3, 80])
def test_report_page_query_count_does_not_grow_with_rows(
    cast, client_of, register, django_assert_num_queries, rows
):
    make_cases(register, rows)
    client = client_of(cast.program_manager)
    expected = [
        *SESSION_QUERIES,
        "COUNT of visible, filtered cases (paginator)",
        *HEADER,
        "the lead-agency choices of the filter form",
        "one page of report rows, every figure a correlated subquery",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("reports:report"), {"status": "open"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(rows, 50)


@pytest.mark.parametrize("rows", [3, 60])
def test_report_api_query_count_does_not_grow_with_rows(
    cast, client_of, register, django_assert_num_queries, rows
):
    make_cases(register, rows)
    client = client_of(cast.program_manager)
    expected = [
        *SESSION_QUERIES,
        "COUNT of visible, filtered cases (paginator)",
        "one page of report rows",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("api-report-rows"))
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(rows, 50)


@pytest.mark.parametrize("rows", [3, 30])
def test_aggregates_api_query_count_does_not_grow_with_rows(
    cast, client_of, register, django_assert_num_queries, rows
):
    make_cases(register, rows)
    client = client_of(cast.program_manager)
    with django_assert_num_queries(len(SESSION_QUERIES) + len(AGGREGATE_QUERIES)):
        response = client.get(reverse("api-report-aggregates"))
    assert response.status_code == 200
