"""API wiring shared by the apps' endpoints."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import pagination, permissions, status, views
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.response import Response

from core.request_limits import REQUEST_TOO_LARGE, log_refusal, too_large_message

# The largest id Postgres keeps (bigint): a bigger number names no record, and an
# input field of ids says so as a field error, never a 500 from the database.
MAX_ID = 2**63 - 1


def require_model_permission(perm: str) -> type[permissions.BasePermission]:
    """A DRF permission class: the user's role must hold `perm` (object access is separate)."""

    class HasModelPermission(permissions.BasePermission):
        def has_permission(self, request, view):
            return bool(
                request.user and request.user.is_authenticated and request.user.has_perm(perm)
            )

    HasModelPermission.__name__ = f"Has_{perm.replace('.', '_')}"
    return HasModelPermission


def _as_api_error(exc: DjangoValidationError) -> ValidationError:
    """A service's ValidationError as a 400 with field errors."""
    if hasattr(exc, "error_dict"):
        return ValidationError(
            {
                ("non_field_errors" if field == "__all__" else field): messages
                for field, messages in exc.message_dict.items()
            }
        )
    return ValidationError({"non_field_errors": exc.messages})


def exception_handler(exc, context):
    """DRF's handler, and the one place where a refusal raised below a view becomes
    an answer, so no endpoint catches a service's errors itself:

    - a stale `version` (casework.versioning.ConcurrentEdit, recognised by the record
      it carries in `current`) is a 409 with its message and `current` as the view
      renders it (`conflict_data`), so the caller can check the change and send it again;
    - any other Django ValidationError (a service's refusal) is a 400 with field errors;
    - a body over Django's upload limits is a 400 whose detail says so (DRF leaves
      those to Django, whose answer is the bare HTML 400 page).

    `current` is asked for by attribute so that this wiring imports no app.
    """
    if isinstance(exc, DjangoValidationError) and hasattr(exc, "current"):
        body = {"detail": exc.messages[0]}
        if conflict_data := getattr(context.get("view"), "conflict_data", None):
            body["current"] = conflict_data(exc.current)
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        exc = _as_api_error(exc)
    elif isinstance(exc, REQUEST_TOO_LARGE):
        log_refusal(exc, context["request"])
        exc = ParseError(too_large_message(exc))
    return views.exception_handler(exc, context)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
