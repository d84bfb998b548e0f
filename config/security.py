"""Security wiring that belongs to no app: response headers and the second-factor rule."""

from django.utils.cache import add_never_cache_headers, patch_cache_control


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
