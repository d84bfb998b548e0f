"""Strings that django-two-factor-auth and django-otp show on our sign-in and
enrolment pages. Those libraries ship no Kyrgyz catalogue (two-factor has
Russian, django-otp has Russian), so the messages are listed here for
`makemessages` to put into our own catalogue, which Django consults first.
Nothing imports this module; it exists only to be read by makemessages.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

STRINGS = [
    # two_factor.forms: field labels and errors of the sign-in and setup steps.
    gettext_noop("Token"),
    gettext_noop("Method"),
    gettext_noop("Entered token is not valid."),
    gettext_noop("Yes, I am sure"),
    gettext_noop("Please enter your authentication code."),
    gettext_noop("Incorrect authentication code. Please try again."),
    # two_factor.views.core: the wizard after TWO_FACTOR_LOGIN_TIMEOUT.
    gettext_noop("Your session has timed out. Please login again."),
    # django_otp.forms: the token check behind both.
    gettext_noop("Please enter your OTP token."),
    gettext_noop("Invalid token. Please make sure you have entered it correctly."),
    gettext_noop("Verification of the token is currently disabled"),
    gettext_noop("Please select a device."),
    ngettext_lazy(
        "Verification temporarily disabled because of %(failure_count)d failed attempt, "
        "please try again soon.",
        "Verification temporarily disabled because of %(failure_count)d failed attempts, "
        "please try again soon.",
        "failure_count",
    ),
]
