"""Files to upload in tests, made here: small, real examples of each kind."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
LINUX_PROGRAM = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
SCRIPT = b"#!/bin/sh\nrm -rf /\n"
TEXT = "Справка о регистрации.\nCertificate of residence.\n".encode()


def image(format: str = "PNG", size=(800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=format)
    return out.getvalue()


def zip_of(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx() -> bytes:
    return zip_of(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/content-types"><Override PartName="/word/'
            b'document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            b'wordprocessingml.document.main+xml"/></Types>',
            "word/document.xml": b"<w:document/>",
        }
    )


def archive() -> bytes:
    return zip_of({"passport.pdf": PDF, "notes.txt": TEXT})


def upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)
