from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """One message for an unknown user, a wrong password and an inactive account:
    a failed sign-in never tells whether the username exists."""

    error_messages = {
        "invalid_login": _("Username or password is incorrect."),
        "inactive": _("Username or password is incorrect."),
    }

    # `request` named: the sign-in wizard passes it only to forms whose signature has it,
    # and the lockout backend needs it.
    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # Django sets the username's max_length after the field is built, so nothing
        # enforces it: a 100 kB "username" would reach authenticate() and the lockout log.
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class OneTimeCodeInput(forms.TextInput):
    """The code from the authenticator app: text with the phone's number pad, and the
    code a phone offers to fill in. A number input would show a spinner, take arrow
    keys as changes and let a browser drop the code's leading zeros."""

    def __init__(self, attrs=None):
        defaults = {"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        super().__init__({**defaults, **(attrs or {})})


class RecoveryCodeInput(forms.TextInput):
    """A recovery code is lower-case letters and digits: a phone must not capitalise it."""

    def __init__(self, attrs=None):
        defaults = {
            "autocomplete": "off",
            "autocapitalize": "none",
            "spellcheck": "false",
            "autofocus": True,
        }
        super().__init__({**defaults, **(attrs or {})})


# Wizard step -> (field, label, widget) for django-two-factor-auth's code fields, whose
# own label is "Token" and whose setup field is a number input.
CODE_FIELDS = {
    "generator": ("token", _("Code from your authenticator app"), OneTimeCodeInput),
    "token": ("otp_token", _("Code from your authenticator app"), OneTimeCodeInput),
    "backup": ("otp_token", _("Recovery code"), RecoveryCodeInput),
}
