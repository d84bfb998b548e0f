from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """One message for an unknown user, a wrong password and an inactive account:
    a failed sign-in never tells whether the username exists."""

    error_messages = {
        "invalid_login": _("Username or password is incorrect."),
        "inactive": _("Username or password is incorrect."),
    }
