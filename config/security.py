"""Security wiring that belongs to no app: response headers and the second-factor rule."""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django_otp import user_has_device


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


# --- The second factor ---------------------------------------------------------------

# Views an unverified session of a mandatory role may still reach: signing in and
# out, and enrolling its authenticator app.
_ENROLMENT_VIEWS = {
    "login",
    "logout",
    "two_factor:login",
    "two_factor:setup",
    "two_factor:qr",
    "healthz",
    # Choosing the language the enrolment pages are read in.
    "language",
}


def second_factor_required(user) -> bool:
    """Police liaisons, program managers, auditors and administrators must use a second
    factor (settings.TWO_FACTOR_MANDATORY_ROLES); everybody else may."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    roles = settings.TWO_FACTOR_MANDATORY_ROLES
    return any(group.name in roles for group in user.groups.all())


class SecondFactorMiddleware:
    """A session of a mandatory role without a verified second factor reaches nothing but
    enrolment: pages send it to set up its app (no device yet) or to sign in again with
    its code; the API answers 403 saying so. Token-authenticated API calls are not
    sessions: tokens are only issued to verified sessions (config/accounts.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.resolver_match.view_name in _ENROLMENT_VIEWS:
            return None
        if not second_factor_required(user):
            return None
        if request.path.startswith("/api/"):
            message = _(
                "Your role requires two-factor sign-in. Sign in with your authentication "
                "code before using the API."
            )
            return JsonResponse({"detail": message}, status=403)
        if user_has_device(user):
            # Signed in without the code (e.g. a device enrolled in another session):
            # start again, and the sign-in asks for it.
            logout(request)
            return redirect_to_login(request.get_full_path())
        messages.info(
            request, _("Your role requires two-factor sign-in. Set up your authenticator app.")
        )
        return redirect("two_factor:setup")
