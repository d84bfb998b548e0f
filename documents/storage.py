"""Where document files are kept: the `documents` entry of settings.STORAGES.

A filesystem directory outside the static and media roots by default
(HOMEWARD_DOCUMENTS_ROOT), or an S3-compatible bucket (docs/documents.md). Nothing
in it has a public URL: files are read back only through `document_open`, by
the views that checked access first.
"""

from django.core.files.storage import Storage, storages


def document_storage() -> Storage:
    return storages["documents"]


def document_open(name: str):
    """The stored file, open for reading in binary, to stream (FileResponse closes it)."""
    return document_storage().open(name, "rb")
