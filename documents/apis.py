"""The documents API: one view per operation, explicit serializers.

Uploads are multipart (the only endpoints that take files); everything else is
JSON like the rest of the API. Downloads are the file itself, streamed.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from casework.apis import READ_ERRORS, WRITE_ERRORS, CaseActionApi, PersonNameField
from casework.models import NoteVisibility
from casework.parts import ANY_NOTE, Part
from core.api import PageNumberPagination
from core.fields import (
    MultiLineSerializerField,
    OneLineSerializerField,
    PlausibleDateSerializerField,
)
from documents import services
from documents.access import document_for_user
from documents.downloads import document_file_response
from documents.models import REASON_MAX, TITLE_MAX, Document, DocumentKind
from documents.selectors import documents_visible_to
from documents.uploads import upload_too_large

DOCUMENT_ERRORS = {
    403: OpenApiResponse(description=_("Your role may not do this.")),
    404: OpenApiResponse(description=_("No such document, or not one you may see.")),
}


class DocumentOutput(serializers.ModelSerializer):
    author = PersonNameField(help_text=_("Who uploaded it."))
    has_thumbnail = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "case_id",
            "kind",
            "title",
            "document_date",
            "visibility",
            "filename",
            "content_type",
            "size",
            "author",
            "uploaded_at",
            "has_thumbnail",
            "removed_at",
            "removal_reason",
        ]
        read_only_fields = fields

    def get_has_thumbnail(self, document) -> bool:
        return bool(document.thumbnail_name)


class DocumentUploadInput(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,  # the service refuses an empty file with its own message
        help_text=_("The file. Its type is sniffed from its content, never from its name."),
    )
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    title = OneLineSerializerField(max_length=TITLE_MAX)
    document_date = PlausibleDateSerializerField()
    visibility = serializers.ChoiceField(choices=NoteVisibility.choices)

    def validate_visibility(self, value: str) -> str:
        if not self.context["viewer"].may_write_note(value):
            raise serializers.ValidationError(_("You may not write documents of this visibility."))
        return value


class DocumentRemoveInput(serializers.Serializer):
    reason = MultiLineSerializerField(max_length=REASON_MAX)


class CaseDocumentsApi(CaseActionApi):
    """The case's documents the caller may read, newest document date first (paginated);
    and a new document (multipart). A document is read and written as a note of its
    visibility is."""

    required_permissions = {"GET": "casework.view_note", "POST": services.WRITE_PERMISSION}
    pagination_class = PageNumberPagination
    parser_classes = [parsers.MultiPartParser]

    @extend_schema(responses={200: DocumentOutput(many=True), **READ_ERRORS})
    def get(self, request, case_id: int):
        viewer = self.case_part(case_id, Part.CASE)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(documents_visible_to(viewer), request, view=self)
        return paginator.get_paginated_response(DocumentOutput(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": DocumentUploadInput},
        responses={201: DocumentOutput, **WRITE_ERRORS},
    )
    def post(self, request, case_id: int):
        viewer = self.case_part(case_id, ANY_NOTE, write=True)
        data = request.data  # parsing it is what cuts a file off at the limit
        if upload_too_large(request):
            raise ValidationError({"file": [services.too_large_message()]})
        serializer = DocumentUploadInput(data=data, context={"viewer": viewer})
        serializer.is_valid(raise_exception=True)
        document = services.document_upload(
            actor=request.user,
            case=viewer.case,
            upload=serializer.validated_data["file"],
            kind=serializer.validated_data["kind"],
            title=serializer.validated_data["title"],
            document_date=serializer.validated_data["document_date"],
            visibility=serializer.validated_data["visibility"],
        )
        return Response(DocumentOutput(document).data, status=status.HTTP_201_CREATED)


FILE_RESPONSE = OpenApiResponse(
    OpenApiTypes.BINARY,
    description=_(
        "The file, as an attachment under its cleaned name, typed by what its content is."
    ),
)


class DocumentDownloadApi(CaseActionApi):
    """The document's file, streamed. Every download is written to the audit trail."""

    required_permissions = {"GET": "casework.view_note"}

    @extend_schema(responses={(200, "*/*"): FILE_RESPONSE, **DOCUMENT_ERRORS})
    def get(self, request, document_id: int):
        viewer, document = document_for_user(request.user, document_id)
        return document_file_response(viewer.case, document, api=True)


class DocumentThumbnailApi(CaseActionApi):
    """A small PNG of an image document (404 for other documents); audited like a download."""

    required_permissions = {"GET": "casework.view_note"}

    @extend_schema(
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
            **DOCUMENT_ERRORS,
        }
    )
    def get(self, request, document_id: int):
        viewer, document = document_for_user(request.user, document_id)
        return document_file_response(viewer.case, document, api=True, thumbnail=True)


class DocumentRemoveApi(CaseActionApi):
    """Remove a document, saying why: it leaves lists and downloads, the file is kept
    until the retention job, and the timeline shows the removal."""

    required_permissions = {"POST": services.WRITE_PERMISSION}

    @extend_schema(
        request=DocumentRemoveInput,
        responses={200: DocumentOutput, 400: WRITE_ERRORS[400], **DOCUMENT_ERRORS},
    )
    def post(self, request, document_id: int):
        _viewer, document = document_for_user(request.user, document_id, write=True)
        serializer = DocumentRemoveInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.document_remove(
            actor=request.user, document=document, reason=serializer.validated_data["reason"]
        )
        return Response(DocumentOutput(document).data)
