from functools import partial

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from casework.access import case_part_for_user
from casework.parts import ANY_NOTE
from casework.views import form_action_page
from documents import services
from documents.access import document_for_user
from documents.downloads import document_file_response
from documents.forms import DocumentForm, DocumentRemoveForm
from documents.uploads import upload_too_large

METHODS = ["GET", "POST"]


def _case_page(case) -> str:
    return reverse("casework:case_detail", args=[case.pk]) + "#documents-h"


def _render(request, template, case, viewer, form, status, current=None, **extra):
    context = {"case": case, "viewer": viewer, "form": form, **extra}
    return render(request, template, context, status=status)


@login_required
@permission_required(services.WRITE_PERMISSION, raise_exception=True)
@require_http_methods(METHODS)
def document_new(request, case_id: int):
    viewer = case_part_for_user(request.user, case_id, ANY_NOTE, write=True)
    case = viewer.case
    form = DocumentForm(
        request.POST or None,
        request.FILES or None,
        viewer=viewer,
        too_large=upload_too_large(request),
    )

    def upload(data):
        return services.document_upload(
            actor=request.user,
            case=case,
            upload=data["file"],
            kind=data["kind"],
            title=data["title"],
            document_date=data["document_date"],
            visibility=data["visibility"],
        )

    return form_action_page(
        request,
        form,
        upload,
        success=_("Document uploaded."),
        redirect_to=_case_page(case),
        render=partial(_render, request, "documents/upload.html", case, viewer),
    )


@login_required
@permission_required("casework.view_note", raise_exception=True)
@require_GET
def document_download(request, document_id: int):
    viewer, document = document_for_user(request.user, document_id)
    return document_file_response(viewer.case, document, api=False)


@login_required
@permission_required("casework.view_note", raise_exception=True)
@require_GET
def document_thumbnail(request, document_id: int):
    viewer, document = document_for_user(request.user, document_id)
    return document_file_response(viewer.case, document, api=False, thumbnail=True)


@login_required
@permission_required(services.WRITE_PERMISSION, raise_exception=True)
@require_http_methods(METHODS)
def document_remove(request, document_id: int):
    viewer, document = document_for_user(request.user, document_id, write=True)
    case = viewer.case
    form = DocumentRemoveForm(request.POST or None)
    return form_action_page(
        request,
        form,
        lambda d: services.document_remove(
            actor=request.user, document=document, reason=d["reason"]
        ),
        success=_("Document removed. It stays on the timeline as removed."),
        redirect_to=_case_page(case),
        render=partial(_render, request, "documents/remove.html", case, viewer, document=document),
    )
