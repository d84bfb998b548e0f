"""Paging for list pages: one page of rows, and the query string without the page."""

from django.core.paginator import Page, Paginator


def page_of(request, rows, size: int) -> tuple[Page, str]:
    """The requested page of `rows` (the last one for a page past the end), and the
    request's other parameters, for links to the neighbouring pages."""
    page = Paginator(rows, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
