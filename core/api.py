"""API wiring shared by the apps' endpoints."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import pagination, permissions, views
from rest_framework.exceptions import ParseError, ValidationError

from core.request_limits import REQUEST_TOO_LARGE, log_refusal, too_large_message


def require_model_permission(perm: str) -> type[permissions.BasePermission]:
    """A DRF permission class: the user's role must hold `perm` (object access is separate)."""

    class HasModelPermission(permissions.BasePermission):
        def has_permission(self, request, view):
            return bool(
                request.user and request.user.is_authenticated and request.user.has_perm(perm)
            )

    HasModelPermission.__name__ = f"Has_{perm.replace('.', '_')}"
    return HasModelPermission


def as_api_error(exc: DjangoValidationError) -> ValidationError:
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
    """DRF's handler; a body over Django's upload limits is a 400 whose detail says so
    (DRF leaves those to Django, whose answer is the bare HTML 400 page)."""
    if isinstance(exc, REQUEST_TOO_LARGE):
        log_refusal(exc, context["request"])
        exc = ParseError(too_large_message(exc))
    return views.exception_handler(exc, context)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
