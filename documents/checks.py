"""What an uploaded file is, decided from its bytes, and the name it may be shown under.

Neither the file's name nor the Content-Type its sender claims is trusted: the type
is sniffed from the content (the `filetype` library's signatures for the formats it
knows, our own look inside zip containers) and checked against an allow-list. What
is not on it is refused; programs and archives are refused with a message of their
own, so the person knows why.
"""

import re
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from documents.models import FILENAME_MAX

# Enough for every signature we look at (filetype reads at most 8 KiB).
HEAD_BYTES = 8192


@dataclass(frozen=True)
class FileType:
    mime: str
    extensions: tuple[str, ...]  # the first is added to a name that has none of them
    image: bool = False


PDF = FileType("application/pdf", ("pdf",))
JPEG = FileType("image/jpeg", ("jpg", "jpeg"), image=True)
PNG = FileType("image/png", ("png",), image=True)
WEBP = FileType("image/webp", ("webp",), image=True)
TIFF = FileType("image/tiff", ("tif", "tiff"), image=True)
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)
)
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",))
ODT = FileType("application/vnd.oasis.opendocument.text", ("odt",))
ODS = FileType("application/vnd.oasis.opendocument.spreadsheet", ("ods",))
TEXT = FileType("text/plain", ("txt", "text", "csv"))

# What filetype's signatures may name, and what we accept it as.
SNIFFED = {t.mime: t for t in (PDF, JPEG, PNG, WEBP, TIFF)}
# An office document is a zip whose inner structure says what it is.
OPEN_DOCUMENT = {t.mime: t for t in (ODT, ODS)}
OFFICE_OPEN_XML = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX}

# Programs, by their first bytes: Windows (MZ), Linux (ELF), macOS (Mach-O, fat
# binaries, which Java class files share), and scripts (#!).
EXECUTABLE_SIGNATURES = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
ARCHIVE_MIMES = {
    "application/zip",
    "application/x-rar-compressed",
    "application/vnd.rar",
    "application/x-7z-compressed",
    "application/gzip",
    "application/x-bzip2",
    "application/x-xz",
    "application/x-tar",
    "application/x-lzip",
    "application/zstd",
    "application/x-compress",
    "application/vnd.ms-cab-compressed",
    "application/x-unix-archive",
    "application/x-brotli",
    "application/x-lzop",
    "application/x-lz4",
    "application/x-rpm",
    "application/x-deb",
    "application/x-google-chrome-extension",
}
PROGRAM_MIMES = {
    "application/x-msdownload",
    "application/x-executable",
    "application/x-mach-binary",
    "application/wasm",
    "application/x-shockwave-flash",
}
# A zip's [Content_Types].xml or mimetype entry is small; reading more is not needed.
INNER_READ_MAX = 65536


def _refuse_program():
    return ValidationError(
        _("This file is a program, not a document. It was not accepted."), code="executable"
    )


def _refuse_archive():
    return ValidationError(
        _("Archives (zip, rar, 7z, gz…) are not accepted. Upload the documents in it one by one."),
        code="archive",
    )


def _refuse_unknown():
    return ValidationError(
        _(
            "This kind of file is not accepted. Upload a PDF, a JPEG, PNG, WebP or TIFF "
            "image, a Word, Excel or OpenDocument file, or plain text."
        ),
        code="file_type",
    )


def sniff(file) -> FileType:
    """The type of an open binary file, from its content; ValidationError if refused.
    Reads the first bytes, and for a zip its directory; leaves the position at 0."""
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    if not head:
        raise ValidationError(_("The file is empty."), code="empty")
    if head.startswith(EXECUTABLE_SIGNATURES):
        raise _refuse_program()
    if head.startswith(ZIP_SIGNATURES):
        return _office_document(file)
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime in SNIFFED:
            return SNIFFED[kind.mime]
        if kind.mime in ARCHIVE_MIMES:
            raise _refuse_archive()
        if kind.mime in PROGRAM_MIMES:
            raise _refuse_program()
        raise _refuse_unknown()
    if _is_text(head):
        return TEXT
    raise _refuse_unknown()


def _office_document(file) -> FileType:
    """A docx/xlsx (Office Open XML) or odt/ods (OpenDocument) by its inner structure;
    any other zip is an archive. Macro-carrying documents are refused as programs."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    declared = entry.read(200).decode("ascii", "replace").strip()
                if declared in OPEN_DOCUMENT and "content.xml" in names:
                    if any(name.lower().startswith("basic/") for name in names):
                        raise _refuse_program()
                    return OPEN_DOCUMENT[declared]
            if "[Content_Types].xml" in names:
                with archive.open("[Content_Types].xml") as entry:
                    types = entry.read(INNER_READ_MAX).decode("utf-8", "replace")
                if "macroEnabled" in types or any(n.endswith("vbaProject.bin") for n in names):
                    raise _refuse_program()
                for part, office_type in OFFICE_OPEN_XML.items():
                    if part in names:
                        return office_type
            if "mimetype" in names or "[Content_Types].xml" in names:
                # A document of a kind we do not take (a presentation, an e-book…).
                raise _refuse_unknown()
    # zipfile raises NotImplementedError for a compression method it cannot read: such a
    # container is no document we can check, so it is refused like a broken one.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError):
        raise _refuse_unknown() from None
    finally:
        file.seek(0)
    raise _refuse_archive()


def _is_text(head: bytes) -> bool:
    """UTF-8 text without NUL or other binary control bytes (the last character may be
    cut by the 8 KiB read)."""
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:
            return False
        text = head[: exc.start].decode("utf-8")
    return not re.search("[\x01-\x08\x0e-\x1a\x1c-\x1f\x7f]", text)


# --- The name a file is shown and downloaded under --------------------------------------

_CONTROL_OR_FORMAT = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_RESERVED = re.compile(r'[<>:"/\\|?*]')


def clean_filename(name: str, file_type: FileType) -> str:
    """The uploaded name, made safe to show and to offer as a download's name: the
    last path segment only, NFC, no control or direction characters, no characters
    Windows refuses, no leading dots, at most FILENAME_MAX characters, and ending in an
    extension of the type the content really is ("scan.exe" of a PDF is "scan.exe.pdf")."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in _CONTROL_OR_FORMAT)
    name = _RESERVED.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip().strip(".").strip()
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if extension.lower() not in file_type.extensions:
        stem, extension = name, file_type.extensions[0]
    stem = stem.strip() or _("document")
    room = FILENAME_MAX - len(extension) - 1
    return f"{stem[:room].rstrip()}.{extension}"
