"""A request body over Django's limits (DATA_UPLOAD_MAX_MEMORY_SIZE for the form data,
DATA_UPLOAD_MAX_NUMBER_FIELDS and DATA_UPLOAD_MAX_NUMBER_FILES, config/settings.py) is
refused when something first reads it, and Django answers with its bare 400 page. A
person gets the page they posted from back, with a message saying why; an API client
gets a 400 whose detail says the same (core.api.exception_handler)."""

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

REQUEST_TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def too_large_message(exc: Exception) -> str:
    if isinstance(exc, RequestDataTooBig):
        return _(
            "What you sent is larger than %(limit)s, the most we accept at once. Nothing was "
            "saved: shorten the text and send it again."
        ) % {"limit": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}
    return _(
        "What you sent has more fields or files than we accept at once. Nothing was saved: "
        "reload the page and send it again."
    )


def log_refusal(exc: Exception, request) -> None:
    """Under the logger name Django itself uses for it; a warning, as it is answered."""
    logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(
        "%s %s", exc, request.path, extra={"status_code": 400, "request": request}
    )


class RequestLimitMiddleware:
    """Reads a page's form post before anything else does (the CSRF check would be
    first, before any view), and answers one over the limits with the page it came from
    and the message, instead of the bare 400. The API (/api/) is left to its own
    exception handler. Needs the messages and htmx middleware before it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and not request.path.startswith("/api/"):
            try:
                request.POST  # noqa: B018 (parsing is what raises)
            except REQUEST_TOO_LARGE as exc:
                return self.refuse(request, exc)
        return self.get_response(request)

    def refuse(self, request, exc):
        log_refusal(exc, request)
        message = too_large_message(exc)
        if request.htmx:
            # A fragment request (the intake's duplicate check): redirecting would
            # replace the page the person is still typing into.
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, message)
        # The page that holds the form: where the post came from, else the same address.
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = request.get_full_path()
        return redirect(back)
