"""How an uploaded file reaches us: streamed to a temporary file, and cut off at the limit.

settings.FILE_UPLOAD_HANDLERS puts `SizeLimitUploadHandler` before Django's
TemporaryFileUploadHandler and leaves out the in-memory one, so a file of any
size is written to disk chunk by chunk (64 KiB) and never held in memory. Past
DOCUMENT_MAX_BYTES the handler skips the rest of the file — Django deletes what
was written — and notes the refusal on the request, so the page or the API can
say why the file is missing instead of answering "this field is required".
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

_TOO_LARGE = "homeward_upload_too_large"


class SizeLimitUploadHandler(FileUploadHandler):
    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.DOCUMENT_MAX_BYTES:
            setattr(self.request, _TOO_LARGE, True)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (a temporary file) keeps the file


def upload_too_large(request) -> bool:
    """Whether a file of this request was cut off at DOCUMENT_MAX_BYTES (page or API request)."""
    return bool(getattr(getattr(request, "_request", request), _TOO_LARGE, False))
