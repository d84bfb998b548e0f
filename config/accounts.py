"""Signing in (password, then the authenticator code) and the account's own settings:
two-factor enrolment, recovery codes, API tokens, and the interface language."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.authtoken.models import Token
from two_factor.views import DisableView, LoginView, ProfileView, SetupView

from config.forms import CODE_FIELDS, SignInForm
from config.language import remember_in_session
from config.security import second_factor_required


class CodeFieldInWords:
    """A wizard step's code field labelled in words, with the input that fits it
    (config.forms.CODE_FIELDS). Set on the form the wizard built, because the sign-in
    wizard picks its code form class afresh for each request."""

    def get_form(self, step=None, **kwargs):
        form = super().get_form(step=step, **kwargs)
        name, label, widget = CODE_FIELDS.get(step or self.steps.current, (None, None, None))
        if name in form.fields:
            field = form.fields[name]
            field.label = label
            field.widget = widget()
            field.widget.attrs.update(field.widget_attrs(field.widget))  # maxlength and such
        return form


class SignInView(CodeFieldInWords, LoginView):
    """django-two-factor-auth's sign-in wizard, with our generic failure message.

    After the password it asks for the authenticator code when the person has a
    device; a mandatory role without one is sent to enrolment by the middleware.
    """

    template_name = "two_factor/core/login.html"
    redirect_authenticated_user = True
    form_list = (
        (LoginView.AUTH_STEP, SignInForm),
        *LoginView.form_list[1:],
    )


class AuthenticatorSetupView(CodeFieldInWords, SetupView):
    """django-two-factor-auth's enrolment wizard, its code field as at sign-in."""

    def get_prefix(self, request, *args, **kwargs):
        # The library's own prefix (from its class name), so the posted field names stay.
        return "setup_view"


@method_decorator(login_required, name="dispatch")
class SecondFactorDisableView(DisableView):
    """Only roles for which the second factor is optional may turn it off."""

    def dispatch(self, request, *args, **kwargs):
        if second_factor_required(request.user):
            raise PermissionDenied(_("Your role requires two-factor sign-in."))
        return super().dispatch(request, *args, **kwargs)


@transaction.atomic
def api_token_issue(*, actor) -> Token:
    """A new API token for `actor`, who may only make their own; the old one stops working."""
    Token.objects.filter(user=actor).delete()
    return Token.objects.create(user=actor)


@transaction.atomic
def api_token_revoke(*, actor) -> None:
    """`actor`'s own API token stops working."""
    Token.objects.filter(user=actor).delete()


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request):
    """Create or revoke your own API token, from a session verified with a second factor.

    A token is a standing credential without a second factor of its own, so only a
    verified session may mint one (for every role: others enrol first). The key is
    shown once, on the answer to the request that made it.
    """
    verified = request.user.is_verified()
    context = {"verified": verified, "created": None}
    status = 200
    if request.method == "POST":
        if not verified:
            context["error"] = _("Set up two-factor sign-in before creating an API token.")
            status = 403
        elif request.POST.get("action") == "create":
            context["created"] = api_token_issue(actor=request.user).key
        elif request.POST.get("action") == "revoke":
            api_token_revoke(actor=request.user)
        else:
            context["error"] = _("Unknown action.")
            status = 400
    context["has_token"] = Token.objects.filter(user=request.user).exists()
    return render(request, "registration/api_token.html", context, status=status)


class AccountSecurityView(ProfileView):
    """The account page: the second factor, recovery codes, the API token."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["second_factor_required"] = second_factor_required(self.request.user)
        return context


@require_POST
def language_set(request):
    """The header's language switcher: stores a signed-in person's choice, sets the
    session and the language cookie (for the sign-in page too), and returns to the page."""
    from agencies.services import staff_language_set

    language = request.POST.get("language", "")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        try:
            staff_language_set(actor=request.user, language=language)
        except ValidationError:
            return response
        remember_in_session(request.session, language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
