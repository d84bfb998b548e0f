"""The interface language: the one a signed-in person chose, else the browser's.

Anonymous pages follow Accept-Language (and the language cookie) through
Django's LocaleMiddleware. A person's stored choice (agencies.StaffPreference)
is copied into their session once, at sign-in, so later requests activate it
without a query.
"""

from django.conf import settings
from django.utils import translation

SESSION_KEY = "homeward_language"


def remember_in_session(session, language: str) -> None:
    session[SESSION_KEY] = language


def on_sign_in(sender, request, user, **kwargs):
    """Connected to user_logged_in (config.apps): copies the stored choice into the session."""
    from agencies.selectors import staff_language

    if request is None or not hasattr(request, "session"):
        return
    language = staff_language(user)
    if language:
        remember_in_session(request.session, language)
    else:
        request.session.pop(SESSION_KEY, None)


class UserLanguageMiddleware:
    """After authentication: a signed-in person reads the language they chose."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = dict(settings.LANGUAGES)

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = request.session.get(SESSION_KEY)
            if language in self.languages:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
