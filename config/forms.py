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
