"""The API's parsers. Their own module: DRF imports the default parser classes while it
defines APIView, so a module that imports rest_framework.views (core.api) cannot
hold them without a circular import when it is the first to load DRF (a worker, the
bench)."""

import re

from rest_framework import parsers

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class JSONParser(parsers.JSONParser):
    """JSON whose strings are text. JSON may spell a lone surrogate ("\\ud800"); it
    becomes U+FFFD, as Django decodes a form post, so the text fields refuse it with a
    message (core.fields) and an error quoting the input ("… is not a valid choice")
    still encodes, where it was a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        return _without_surrogates(super().parse(stream, media_type, parser_context))


def _without_surrogates(value):
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    return value
