"""Security wiring that belongs to no app: response headers and the second-factor rule."""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _


class NoStoreMiddleware:
    """Every page and API answer may hold personal data: no browser or proxy keeps a copy.

    Static files never reach this (whitenoise answers them first, cacheable).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        return response


# --- Sign-in throttling (django-axes) ------------------------------------------------


class LockoutHandler(AxesDatabaseHandler):
    """Two limits: the username+address pair after AXES_FAILURE_LIMIT failures, the
    address alone (password spraying over many usernames) after LOCKOUT_ADDRESS_FAILURES.

    Axes compares one number with one limit; an address over its own, larger limit
    counts as the pair limit reached.
    """

    def get_failures(self, request, credentials=None) -> int:
        by_pair, by_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.LOCKOUT_ADDRESS_FAILURES:
            return max(by_pair, settings.AXES_FAILURE_LIMIT)
        return by_pair


def client_address(request) -> str | None:
    """The address a sign-in came from: behind our TLS proxy, the one it appended last
    to X-Forwarded-For (earlier entries are whatever the client chose to send)."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if hops := [hop.strip() for hop in forwarded.split(",") if hop.strip()]:
            return hops[-1]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """The same answer whoever is locked out, existing user or not: try again later."""
    message = _("Too many failed sign-in attempts. Try again later.")
    if (
        request.path.startswith("/api/")
        or request.accepts("application/json")
        and not (request.accepts("text/html"))
    ):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)
